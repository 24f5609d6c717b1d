"""A lake's content, compared across runs that took different paths (crashes, re-runs,
other engines): every table as a multiset of rows, without the columns that only say when
and by which run a row was written. Bronze keeps its file names and checksums, so a file
ingested twice, or never, shows."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from lakecore.pipeline import Pipeline
from lakecore.schema import TableSpec, is_lineage

Content = dict[str, Counter[tuple[Any, ...]]]
KEPT_LINEAGE = ("_source_file", "_source_checksum", "_corrupt_record")


def lake_content(
    pipeline: Pipeline,
    exists: Callable[[TableSpec], bool],
    rows: Callable[[TableSpec], list[Mapping[str, Any]]],
) -> Content:
    out: Content = {}
    for table in pipeline.tables:
        if not exists(table):
            continue
        keep = [c for c in table.column_names if not is_lineage(c) or c in KEPT_LINEAGE]
        out[str(table.id)] = Counter(
            tuple(repr(_comparable(c, row.get(c))) for c in keep) for row in rows(table)
        )
    return out


def _comparable(column: str, value: Any) -> Any:
    """A quarantined gold row's record names the run that brought it: not content."""
    if column != "record" or not isinstance(value, str):
        return value
    record = json.loads(value)
    return sorted((k, v) for k, v in record.items() if k not in ("_run_id", "_ingested_at"))
