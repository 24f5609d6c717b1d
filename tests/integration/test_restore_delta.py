"""``restore`` on Delta: a day rolled back out of silver.orders, and the next daily run
rebuilds gold from the restored silver; a version whose files VACUUM removed is refused."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.maintenance import DeltaMaintenance
from adapters.delta.store import DeltaTableStore
from lakecore.errors import ConfigurationError
from lakecore.maintenance import housekeeping, restore
from lakecore.ports import RunContext
from lakecore.testing.contracts import TABLE
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.integration.runs import business, spark_daily

pytestmark = pytest.mark.spark
QUIET = {"progress": lambda step, **facts: None}


def _daily(spark: SparkSession, store: DeltaTableStore, landing: Path, n: int) -> None:
    spark_daily(
        spark,
        store,
        landing,
        RunContext(f"run-{n}", date(2026, 11, 28), datetime(2026, 11, 28, 6, n)),
    )


def _facts(store: DeltaTableStore, version: int | None = None) -> list[tuple[str, ...]]:
    rows = [r.asDict() for r in store.read(lh.FACT_ORDERS, version=version).collect()]
    return business(rows, lh.FACT_ORDERS.business_columns)


def test_a_day_restored_out_of_silver_is_out_of_gold_after_the_next_run(
    spark: SparkSession, tmp_path: Path
) -> None:
    store = DeltaTableStore(spark, str(tmp_path / "lake"))
    landings = []
    for n, day in enumerate((date(2026, 11, 27), date(2026, 11, 28)), start=1):
        landings.append(tmp_path / f"landing-{n}")
        generate(GenerateOptions(landings[-1], 200, seed=n, dirty=0.0, business_date=day))
    _daily(spark, store, landings[0], 1)
    silver_day_1, gold_day_1 = store.version(lh.ORDERS.id), store.version(lh.FACT_ORDERS.id)
    _daily(spark, store, landings[1], 2)
    assert _facts(store) != _facts(store, gold_day_1)

    done = restore(lh.ORDERS, maintenance=DeltaMaintenance(spark, store), store=store,
                   version=silver_day_1, **QUIET)  # type: ignore[arg-type]  # fmt: skip
    assert done.version == done.previous + 1
    _daily(spark, store, landings[1], 3)  # day 2's files are ingested already: nothing new

    assert _facts(store) == _facts(store, gold_day_1)


def test_a_version_whose_files_vacuum_removed_is_refused(
    spark: SparkSession, tmp_path: Path
) -> None:
    store = DeltaTableStore(spark, str(tmp_path / "lake"))
    for i in range(3):
        frame = spark.createDataFrame([(i, i, "x")], "id long, v long, name string")
        store.overwrite(TABLE, frame)
    maintenance = DeltaMaintenance(spark, store)
    housekeeping([TABLE], maintenance=maintenance, store=store, retain_hours=0, force=True,
                 run=RunContext("hk", date(2026, 11, 28), datetime(2026, 11, 28)), **QUIET)  # type: ignore[arg-type]  # fmt: skip

    with pytest.raises(ConfigurationError, match="VACUUM has removed its files"):
        restore(TABLE, maintenance=maintenance, store=store, version=1, **QUIET)  # type: ignore[arg-type]
    assert [r.id for r in store.read(TABLE).collect()] == [2]
