"""Hostile landing files (hypothesis, ``lakecore.testing.strategies.landing_files``): a
daily run on them ends, or stops with one ``LakecoreError`` line; it never loses a record.

Every line of a file that is not blank is one bronze row, and every bronze row is in silver
(by its key) or in the quarantine with a reason, counted exactly. ``make test`` runs a fixed
number of examples (derandomized); ``make fuzz`` runs many more, at random.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import (
    InMemoryTableStore,
)
from lakecore.conform import ConformSpec, conform_record
from lakecore.errors import LakecoreError, QualityGateFailed, SchemaMismatch
from lakecore.ports import LandingDataset, RunContext
from lakecore.schema import TableId
from lakecore.testing.strategies import landing_files
from pipelines import orders as lh
from tests.memory import run_on

DAY = date(2026, 11, 27)
SPECS: dict[TableId, ConformSpec] = {spec.source: spec for spec in lh.CONFORM}
#: ``make test``: a fixed budget, the same examples every time; ``make fuzz``: many, new ones.
LONG = os.environ.get("LAKECORE_FUZZ_EXAMPLES")
FUZZ = settings(
    max_examples=int(LONG or 40),
    derandomize=LONG is None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],  # a fixture per test, not example
)  # fmt: skip

_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOM = "\ufeff"
#: A line holding only these is blank (no record): JSON's own whitespace in JSON Lines, any
#: character up to U+0020 in a CSV file (as Spark's readers have it).
_BLANK = {"jsonl": " \t", "csv": "".join(chr(c) for c in range(0x21))}


def records_in(content: bytes, file_format: str) -> int:
    """How many records a landing file holds, counted from its bytes: its lines (``\\n``,
    ``\\r\\n`` or ``\\r`` end one), less the blank ones and a CSV file's header."""
    lines = [line.decode("utf-8", "replace") for line in _LINE_END.split(content)]
    if lines and not lines[-1]:
        lines.pop()  # what follows the last line end
    if lines:
        lines[0] = lines[0].removeprefix(_BOM)  # the file's byte-order mark
    # a JSON Lines file: a BOM may start any line too (as Spark reads it); a CSV file: a header
    lines = [line.removeprefix(_BOM) for line in lines] if file_format == "jsonl" else lines[1:]
    return sum(1 for line in lines if line.strip(_BLANK[file_format]))


def refused(content: bytes, dataset: LandingDataset) -> bool:
    """A CSV file whose first line is not a header naming every declared field."""
    if dataset.format != "csv":
        return False
    first = _LINE_END.split(content)[0].decode("utf-8", "replace").removeprefix(_BOM)
    header = next(csv.reader([first]), [])
    return not first.strip() or any(f not in header for f in dataset.fields)


@st.composite
def landings(draw: st.DrawFn) -> dict[str, bytes]:
    """A landing folder: up to two hostile files per dataset, by path."""
    files = {}
    for dataset in lh.LANDING:
        for n in range(draw(st.integers(0, 2))):
            spec = SPECS[dataset.bronze.id]
            files[f"{dataset.folder}/part-{n}.{dataset.format}"] = draw(
                landing_files(dataset, spec)
            )
    return files


def dataset_of(path: str) -> LandingDataset:
    return next(d for d in lh.LANDING if path.startswith(d.folder + "/"))


def land_and_run(
    files: Mapping[str, bytes], landing: Path
) -> tuple[InMemoryTableStore, Exception | None]:
    """The daily run on ``files`` (under ``landing``), and the lakecore error it ended with."""
    for path, content in files.items():
        (landing / path).parent.mkdir(parents=True, exist_ok=True)
        (landing / path).write_bytes(content)
    store = InMemoryTableStore()
    try:
        run_on(landing, store, run=RunContext("fuzz", DAY, datetime(2026, 11, 27, 6)))
    except LakecoreError as exc:  # anything else fails the test, with its traceback
        return store, exc
    return store, None


def _rows(store: InMemoryTableStore, table: TableId) -> list[dict[str, Any]]:
    return store.read(lh.PIPELINE.table(table)) if store.exists(table) else []


@FUZZ
@given(landings())
def test_every_line_of_a_hostile_landing_is_a_bronze_row_then_silver_or_quarantined(
    files: dict[str, bytes],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store, error = land_and_run(files, Path(folder))
    if error is not None:
        assert "\n" not in str(error), f"a message of more than one line: {error!r}"

    bad = sorted(p for p, content in files.items() if refused(content, dataset_of(p)))
    if bad:
        assert isinstance(error, SchemaMismatch), f"{bad} read without complaint"
        assert any(p in str(error) for p in bad)
        assert not store.exists(dataset_of(bad[0]).bronze.id)
        return
    assert error is None or isinstance(error, QualityGateFailed), error

    for path, content in files.items():
        dataset = dataset_of(path)
        landed = [r for r in _rows(store, dataset.bronze.id) if r["_source_file"] == path]
        assert len(landed) == records_in(content, dataset.format), path

    published = any(store.exists(t.id) for t in lh.PIPELINE.silver if t.id != lh.QUARANTINE.id)
    quarantine = _rows(store, lh.QUARANTINE.id)
    if not published:  # the gate stopped silver: nothing of it was written
        assert isinstance(error, QualityGateFailed) or not quarantine
        assert not [q for q in quarantine if q["table"].startswith("silver.")]
        return
    kept: dict[TableId, set[tuple[Any, ...]]] = {}
    for source, spec in SPECS.items():
        target = spec.target
        bronze = _rows(store, source)
        judged = [conform_record(raw, spec) for raw in bronze]
        rejected = sum(1 for _, reasons in judged if reasons)
        keys = lh.PIPELINE.merges[target.id].keys
        kept.setdefault(target.id, set()).update(
            tuple(row[k] for k in keys) for row, reasons in judged if not reasons
        )
        quarantined = [
            q for q in quarantine
            if q["table"] == str(target.id) and q["source_table"] == str(source)
        ]  # fmt: skip
        assert len(quarantined) == rejected, f"{source} -> {target.id}"
        assert all(q["reason"] for q in quarantined)
    for table, keys in kept.items():
        merge_keys = lh.PIPELINE.merges[table].keys
        silver = {tuple(r[k] for k in merge_keys) for r in _rows(store, table)}
        assert silver == keys, table


def test_records_are_counted_from_bytes() -> None:
    """The reference count itself: line ends of any kind, blank lines, a BOM, a header."""
    assert records_in(b"", "jsonl") == 0
    assert records_in(b"\xef\xbb\xbf{}\r\n \t\n{}\r{}", "jsonl") == 3
    assert records_in(b"\xef\xbb\xbf\xef\xbb\xbf\n\xef\xbb\xbf\xef\xbb\xbf\n", "jsonl") == 1
    assert records_in(b"\x0c\n\x00\n", "jsonl") == 2  # not JSON's whitespace: malformed
    assert records_in(b"a,b\r\n\x0c\x00 \n1,2\n\xc2\xa0\n", "csv") == 2
    assert refused(b"\xef\xbb\xbfas_of_date,base_ccy,ccy\n", lh.FX_LANDING)
    assert not refused(b"ccy,rate_to_base,as_of_date,base_ccy,more\r\n", lh.FX_LANDING)
