"""Contract suites: the same tests for every adapter of a port, and a lake's content to
compare runs that took different paths.

``TableStoreContract`` runs on lakecore's memory store and its Delta store; subclass it
(with pytest) for your own ``TableStore``, providing a fresh ``store`` per test and
``frame(rows)`` / ``rows(frame)`` to convert between plain rows and your frames.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from typing import Any

import pytest

from lakecore.errors import SchemaMismatch, TableNotFound
from lakecore.merge import MergeSpec
from lakecore.pipeline import Pipeline
from lakecore.ports import Marker, Slice
from lakecore.schema import LONG, STRING, Column, Layer, TableId, TableSpec, is_lineage

TABLE = TableSpec(
    TableId(Layer.SILVER, "contract"),
    columns=(Column("id", LONG), Column("v", LONG), Column("name", STRING)),
    keys=("id",),
)
SPEC = MergeSpec.for_table(TABLE, order_by=("v",))


class TableStoreContract:
    store: Any

    def frame(self, rows: list[dict[str, Any]]) -> Any:
        raise NotImplementedError

    def rows(self, frame: Any) -> list[tuple[Any, ...]]:
        """Every row's values, in the frame's column order (extra columns last)."""
        raise NotImplementedError

    def _read(self, version: int | None = None) -> list[tuple[Any, ...]]:
        return sorted(self.rows(self.store.read(TABLE, version=version)))

    def test_reading_an_unwritten_table_raises(self) -> None:
        assert not self.store.exists(TABLE.id)
        with pytest.raises(TableNotFound):
            self.store.read(TABLE)

    def test_append_adds_rows(self) -> None:
        self.store.append(TABLE, self.frame([{"id": 1, "v": 1, "name": "a"}]))
        result = self.store.append(TABLE, self.frame([{"id": 2, "v": 1, "name": "b"}]))
        assert result.rows_written == 1
        assert self._read() == [(1, 1, "a"), (2, 1, "b")]

    def test_overwrite_replaces_and_time_travel_sees_the_old_version(self) -> None:
        first = self.store.append(TABLE, self.frame([{"id": 1, "v": 1, "name": "a"}]))
        self.store.overwrite(TABLE, self.frame([{"id": 9, "v": 1, "name": "z"}]))
        assert self._read() == [(9, 1, "z")]
        assert self._read(version=first.version) == [(1, 1, "a")]
        assert len(self.store.history(TABLE.id)) >= 2

    def test_merge_inserts_updates_newer_and_is_idempotent(self) -> None:
        self.store.merge(TABLE, self.frame([{"id": 1, "v": 1, "name": "a"}]), SPEC)
        batch = [
            {"id": 1, "v": 2, "name": "b"},
            {"id": 1, "v": 0, "name": "old"},
            {"id": 2, "v": 1, "name": "c"},
        ]
        first = self.store.merge(TABLE, self.frame(batch), SPEC)
        again = self.store.merge(TABLE, self.frame(batch), SPEC)
        assert (first.rows_inserted, first.rows_updated) == (1, 1)
        assert (again.rows_inserted, again.rows_updated) == (0, 0)
        assert self._read() == [(1, 2, "b"), (2, 1, "c")]

    def test_replace_keys_swaps_the_rows_of_exactly_the_affected_keys(self) -> None:
        rows = [{"id": i, "v": 1, "name": n} for i, n in ((1, "a"), (2, "b"), (3, "c"))]
        self.store.append(TABLE, self.frame(rows))
        new = self.frame([{"id": 2, "v": 5, "name": "B"}, {"id": 4, "v": 1, "name": "d"}])
        affected = self.frame([{"id": 2}, {"id": 3}, {"id": 4}, {"id": 4}])
        marker = Marker("gold", 1, "built")
        first = self.store.replace_keys(TABLE, new, affected, marker)
        again = self.store.replace_keys(TABLE, new, affected, marker)
        assert self._read() == [(1, 1, "a"), (2, 5, "B"), (4, 1, "d")]
        assert (first.skipped, again.skipped) == (False, True)
        assert self.store.history(TABLE.id, 1)[0].marker == marker

    def test_changes_are_the_rows_appends_and_merges_wrote_and_none_past_an_overwrite(
        self,
    ) -> None:
        rows = [{"id": 1, "v": 1, "name": "a"}, {"id": 2, "v": 1, "name": "b"}]
        first = self.store.append(TABLE, self.frame(rows))
        batch = [{"id": 1, "v": 2, "name": "A"}, {"id": 3, "v": 1, "name": "c"}]
        merged = self.store.merge(TABLE, self.frame(batch), SPEC)
        assert first.version is not None
        assert merged.version is not None
        changes = self.store.changes(TABLE, first.version, merged.version)
        assert sorted(self.rows(changes)) == [(1, 2, "A"), (3, 1, "c")]
        assert self.rows(self.store.changes(TABLE, merged.version, merged.version)) == []
        replaced = self.store.overwrite(TABLE, self.frame(batch))
        assert replaced.version is not None
        assert self.store.changes(TABLE, merged.version, replaced.version) is None
        assert self.store.changes(TABLE, first.version, replaced.version) is None

    def test_a_row_whose_lineage_alone_was_rewritten_is_no_change(self) -> None:
        table = TableSpec(
            TableId(Layer.SILVER, "lineaged"),
            columns=(Column("id", LONG), Column("name", STRING), Column("_run_id", STRING)),
            keys=("id",),
        )
        spec = MergeSpec.for_table(table, order_by=("_run_id",))
        rows = [{"id": 1, "name": "a", "_run_id": "r1"}, {"id": 2, "name": "b", "_run_id": "r1"}]
        first = self.store.merge(table, self.frame(rows), spec)
        again = [{"id": 1, "name": "a", "_run_id": "r2"}, {"id": 2, "name": "B", "_run_id": "r2"}]
        second = self.store.merge(table, self.frame(again), spec)
        assert second.rows_updated == 2
        assert first.version is not None
        assert second.version is not None
        changes = self.store.changes(table, first.version, second.version)
        assert sorted(self.rows(changes)) == [(2, "B", "r2")]

    def test_a_frame_with_unknown_columns_is_a_schema_mismatch(self) -> None:
        with pytest.raises(SchemaMismatch):
            self.store.append(TABLE, self.frame([{"id": 1, "v": 1, "name": "a", "extra": "x"}]))

    # --- progress markers and slices -----------------------------------------------------

    def test_a_marker_is_committed_with_the_write_and_a_repeat_is_skipped(self) -> None:
        assert self.store.marker(TABLE.id, "app") is None
        first = self.store.append(
            TABLE, self.frame([{"id": 1, "v": 1, "name": "a"}]), Marker("app", 3)
        )
        assert self.store.marker(TABLE.id, "app") == 3
        assert self.store.version(TABLE.id) == first.version
        again = self.store.append(
            TABLE, self.frame([{"id": 2, "v": 1, "name": "b"}]), Marker("app", 3)
        )
        assert again.skipped
        assert again.version is None
        older = self.store.merge(
            TABLE, self.frame([{"id": 3, "v": 1, "name": "c"}]), SPEC, Marker("app", 2)
        )
        assert older.skipped
        assert self._read() == [(1, 1, "a")]
        assert self.store.version(TABLE.id) == first.version
        merged = self.store.merge(
            TABLE, self.frame([{"id": 3, "v": 1, "name": "c"}]), SPEC, Marker("app", 4)
        )
        assert not merged.skipped
        assert merged.rows_inserted == 1
        assert self.store.marker(TABLE.id, "app") == 4
        assert self.store.marker(TABLE.id, "other") is None

    def test_markers_of_different_apps_are_independent(self) -> None:
        self.store.append(TABLE, self.frame([{"id": 1, "v": 1, "name": "a"}]), Marker("a", 5))
        self.store.overwrite(TABLE, self.frame([{"id": 2, "v": 1, "name": "b"}]), Marker("b", 1))
        assert (self.store.marker(TABLE.id, "a"), self.store.marker(TABLE.id, "b")) == (5, 1)
        assert self._read() == [(2, 1, "b")]

    def test_a_marker_state_is_the_one_of_the_apps_last_commit(self) -> None:
        assert self.store.marker_state(TABLE.id, "app") is None
        state = json.dumps({"cursor": {"SystemModstamp": "2026-11-29T10:00:00.000+0000"}})
        self.store.append(
            TABLE, self.frame([{"id": 1, "v": 1, "name": "a"}]), Marker("app", 1, state)
        )
        assert self.store.marker_state(TABLE.id, "app") == state
        # Another app's commits, with and without state, leave it as it is.
        self.store.append(
            TABLE, self.frame([{"id": 2, "v": 1, "name": "b"}]), Marker("other", 9, "x")
        )
        self.store.append(TABLE, self.frame([{"id": 3, "v": 1, "name": "c"}]))
        assert self.store.marker_state(TABLE.id, "app") == state
        assert self.store.marker_state(TABLE.id, "other") == "x"
        # A skipped write does not change it; the next applied one does, also by a MERGE.
        self.store.append(
            TABLE, self.frame([{"id": 4, "v": 1, "name": "d"}]), Marker("app", 1, "no")
        )
        assert self.store.marker_state(TABLE.id, "app") == state
        self.store.merge(
            TABLE, self.frame([{"id": 4, "v": 1, "name": "d"}]), SPEC, Marker("app", 2, "m")
        )
        assert self.store.marker_state(TABLE.id, "app") == "m"
        self.store.append(TABLE, self.frame([{"id": 5, "v": 1, "name": "e"}]), Marker("app", 3))
        assert self.store.marker_state(TABLE.id, "app") is None

    def test_a_table_that_evolves_gains_the_new_columns_of_an_append(self) -> None:
        open_table = dataclasses.replace(TABLE, evolves=True)
        self.store.append(open_table, self.frame([{"id": 1, "v": 1, "name": "a"}]))
        self.store.append(open_table, self.frame([{"id": 2, "v": 1, "name": "b", "Extra__c": "x"}]))
        rows = self.store.read(open_table)
        assert sorted(self.rows(rows)) == [(1, 1, "a", None), (2, 1, "b", "x")]
        self.store.append(open_table, self.frame([{"id": 3, "v": 1, "name": "c"}]))
        assert sorted(self.rows(self.store.read(open_table)))[-1] == (3, 1, "c", None)
        with pytest.raises(SchemaMismatch, match="has no columns"):
            self.store.append(TABLE, self.frame([{"id": 4, "v": 1, "name": "d", "Other": "y"}]))

    def test_an_unwritten_table_has_no_version(self) -> None:
        assert self.store.version(TABLE.id) is None

    def test_replace_swaps_exactly_the_slice(self) -> None:
        rows = [{"id": i, "v": i % 3, "name": n} for i, n in enumerate(["x", "y", "x", "y", "x'"])]
        self.store.append(TABLE, self.frame(rows))
        where = Slice(within=(("name", ("x", "x'")),), after=(("v", 0),))
        self.store.replace(TABLE, self.frame([{"id": 9, "v": 2, "name": "x'"}]), where)
        assert self._read() == [(0, 0, "x"), (1, 1, "y"), (3, 0, "y"), (9, 2, "x'")]

    def test_replace_refuses_rows_outside_the_slice(self) -> None:
        self.store.append(TABLE, self.frame([{"id": 1, "v": 1, "name": "a"}]))
        where = Slice(within=(("name", ("a",)),))
        with pytest.raises(SchemaMismatch):
            self.store.replace(TABLE, self.frame([{"id": 2, "v": 1, "name": "b"}]), where)
        assert self._read() == [(1, 1, "a")]

    def test_replace_with_nothing_empties_the_slice_and_creates_a_table(self) -> None:
        where = Slice(within=(("name", ("a",)),))
        self.store.replace(TABLE, self.frame([]), where)
        assert self.store.exists(TABLE.id)
        assert self._read() == []


# --- a lake's content -------------------------------------------------------------------

Content = dict[str, Counter[tuple[Any, ...]]]
_KEPT_LINEAGE = ("_source_file", "_source_checksum", "_corrupt_record")


def lake_content(
    pipeline: Pipeline,
    exists: Callable[[TableSpec], bool],
    rows: Callable[[TableSpec], list[Mapping[str, Any]]],
    ignore: Collection[str] = (),
) -> Content:
    """Every table of ``pipeline`` as a multiset of rows, without the columns that only say
    when and by which run a row was written. Bronze keeps its file names and checksums, so
    a file ingested twice, or never, shows. Equal content means the same lake, whatever
    crashes, re-runs or engine produced it.

    ``ignore`` drops more columns: records pulled from a system are named by the chunk
    they came in, and where chunks are cut depends on where an extraction was stopped.
    """
    out: Content = {}
    for table in pipeline.tables:
        if not exists(table):
            continue
        keep = [
            c
            for c in table.column_names
            if (not is_lineage(c) or c in _KEPT_LINEAGE) and c not in ignore
        ]
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
