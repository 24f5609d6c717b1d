"""Spark reads hostile landing files as the memory adapters do: one landing folder made of
several hostile landings (``test_fuzz_landing``), run once on each engine, gives the same
bronze rows per file (and the count from the bytes), the same quarantine by table and reason,
and the same keys in silver."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.memory.quality import InMemoryReportStore
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from lakecore.daily import run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext
from lakecore.schema import TableId
from pipelines import orders as lh
from tests.unit.test_fuzz_landing import dataset_of, land_and_run, landings, records_in, refused

pytestmark = pytest.mark.spark

#: landings put together: every one's files under names of their own
TOGETHER = 6


def _accepted(files: dict[str, bytes]) -> bool:
    return not any(refused(content, dataset_of(path)) for path, content in files.items())


def _together(parts: list[dict[str, bytes]]) -> dict[str, bytes]:
    return {
        path.replace("/part-", f"/fuzz-{n}-"): content
        for n, files in enumerate(parts)
        for path, content in files.items()
    }


def _content(rows: list[dict[str, Any]] | list[Any], table: TableId) -> dict[str, Counter[Any]]:
    """What the comparison looks at: bronze rows (and malformed ones) per file; quarantine
    rows per table, source and reason; silver keys (as text: the engines' types differ)."""
    found: dict[str, Counter[Any]] = {"rows": Counter(), "malformed": Counter()}
    if table == lh.QUARANTINE.id:
        found["rows"] = Counter((r["table"], r["source_table"], r["reason"]) for r in rows)
    elif table.layer.value == "bronze":
        found["rows"] = Counter(r["_source_file"] for r in rows)
        found["malformed"] = Counter(r["_source_file"] for r in rows if r["_corrupt_record"])
    else:
        keys = lh.PIPELINE.merges[table].keys
        found["rows"] = Counter(tuple(str(r[k]) for k in keys) for r in rows)
    return found


#: ``make test``: one example, the same every time; ``make fuzz``: more, new ones
LONG = os.environ.get("LAKECORE_FUZZ_SPARK_EXAMPLES")


@settings(
    max_examples=int(LONG or 1),
    derandomize=LONG is None,
    phases=[Phase.generate],
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(st.lists(landings().filter(_accepted), min_size=TOGETHER, max_size=TOGETHER))
def test_spark_reads_hostile_landing_files_as_the_memory_adapters_do(
    spark: SparkSession, tmp_path_factory: pytest.TempPathFactory, parts: list[dict[str, bytes]]
) -> None:
    files = _together(parts)
    assume(sum(records_in(c, dataset_of(p).format) for p, c in files.items()) >= 60)
    folder = tmp_path_factory.mktemp("fuzz")
    memory, error = land_and_run(files, folder / "landing")
    assert error is None, error

    delta = DeltaTableStore(spark, str(folder / "lake"))
    run_daily(
        pipeline=lh.PIPELINE,
        landing=SparkFileLanding(spark, folder / "landing"),
        store=delta,
        engine=SparkEngine(spark),
        gate=Gate(SparkGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext("fuzz", date(2026, 11, 27), datetime(2026, 11, 27, 6)),
        progress=lambda step, **facts: None,
    )
    tables = [*(d.bronze for d in lh.LANDING), *lh.PIPELINE.silver]
    for table in tables:
        on_memory = memory.read(table) if memory.exists(table.id) else []
        on_spark = delta.read(table).collect() if delta.exists(table.id) else []
        assert _content(on_spark, table.id) == _content(on_memory, table.id), table.id
    bronze = Counter[Any]()
    for dataset in lh.LANDING:
        bronze += _content(memory.read(dataset.bronze), dataset.bronze.id)["rows"]
    assert {p: records_in(c, dataset_of(p).format) for p, c in files.items()} == {
        p: bronze[p] for p in files
    }
