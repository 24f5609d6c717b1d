"""The daily pipeline on local Spark + Delta: end to end, twice, and against the memory engine."""

from __future__ import annotations

import shutil
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.spark.engine import SparkEngine
from lakecore.ports import RunContext
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.integration.runs import SILVER_AND_GOLD, business, content, memory_lake, spark_daily

pytestmark = pytest.mark.spark
DAY = date(2026, 11, 27)


def _context(n: int) -> RunContext:
    return RunContext(f"run-{n}", DAY, datetime(2026, 11, 27, 12, n))


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(GenerateOptions(out, 600, seed=5, dirty=0.1, business_date=DAY))
    return out


@pytest.fixture(scope="module")
def lake(
    spark: SparkSession, landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> DeltaTableStore:
    store = DeltaTableStore(spark, str(tmp_path_factory.mktemp("lake")))
    spark_daily(spark, store, landing, _context(1))
    return store


def _rows(store: DeltaTableStore, table: Any) -> list[dict[str, Any]]:
    return [r.asDict() for r in store.read(table).collect()]


def test_spark_and_memory_engines_build_the_same_silver_and_gold(
    lake: DeltaTableStore, landing: Path
) -> None:
    memory = memory_lake(landing, _context(1))
    for table in SILVER_AND_GOLD:
        columns = table.business_columns
        assert business(_rows(lake, table), columns) == business(memory.read(table), columns), (
            table.id
        )
    reasons = ("table", "reason", "_source_file")
    assert business(_rows(lake, lh.QUARANTINE), reasons) == business(
        memory.read(lh.QUARANTINE), reasons
    )


def test_a_second_run_leaves_every_table_unchanged(
    spark: SparkSession, lake: DeltaTableStore, landing: Path
) -> None:
    before = {
        t.id: business(_rows(lake, t), t.column_names) for t in lh.TABLES if lake.exists(t.id)
    }
    report = spark_daily(spark, lake, landing, _context(2))
    assert not report.changed
    after = {t.id: business(_rows(lake, t), t.column_names) for t in lh.TABLES if lake.exists(t.id)}
    assert after == before
    facts = _rows(lake, lh.FACT_ORDERS)
    assert len({f["order_id"] for f in facts}) == len(facts)


def test_independent_work_runs_side_by_side_and_a_failure_waits_for_the_rest(
    spark: SparkSession,
) -> None:
    engine = SparkEngine(spark, side_by_side=3)
    together = threading.Barrier(3, timeout=60)  # broken unless all three run at once

    def count(n: int) -> int:
        together.wait()
        return spark.range(n).count()

    assert engine.each(count, [3, 1, 2]) == [3, 1, 2]
    ended: list[int] = []

    def second_fails(n: int) -> int:
        if n == 1:
            raise ValueError("the second failed")
        spark.range(1000).count()
        ended.append(n)
        return n

    with pytest.raises(ValueError, match="the second failed"):
        engine.each(second_fails, [0, 1, 2])
    assert sorted(ended) == [0, 2]
    # The threads' scheduler pools are theirs: this thread's jobs are in none.
    assert spark.sparkContext.getLocalProperty("spark.scheduler.pool") is None


def test_gold_updated_from_a_second_days_changes_equals_gold_rebuilt(
    spark: SparkSession, lake: DeltaTableStore, tmp_path: Path
) -> None:
    """The day after: new orders, rates and events of earlier orders, on Delta's change
    data feed, against the same day with gold rebuilt from all of silver."""
    after = tmp_path / "landing-2"
    generate(GenerateOptions(after, 400, seed=6, dirty=0.1, business_date=date(2026, 11, 28)))
    root = Path(lake.location(lh.ORDERS.id)).parent.parent
    lakes = {mode: tmp_path / mode for mode in ("updated", "rebuilt")}
    steps: list[str] = []
    for mode, copy in lakes.items():
        shutil.copytree(root, copy)
        store = DeltaTableStore(spark, str(copy))
        report = spark_daily(spark, store, after, _context(3), lambda step, **_: steps.append(step),
                             rebuild_gold=mode == "rebuilt")  # fmt: skip
        assert report.changed
    assert steps.count("gold.updating") == 1
    assert steps.count("gold.rebuilding") == 1
    updated, rebuilt = (content(spark, lakes[mode]) for mode in ("updated", "rebuilt"))
    assert updated == rebuilt
    assert len(updated[str(lh.FACT_ORDERS.id)]) > 0
