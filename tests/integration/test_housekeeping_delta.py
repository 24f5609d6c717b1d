"""Housekeeping on real Delta tables: a table written in many small appends ends in fewer
files with the same rows (the maintenance log says so), VACUUM removes the replaced files
only when told, and a MERGE running during OPTIMIZE loses nothing."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.maintenance import DeltaMaintenance
from adapters.delta.store import DeltaTableStore
from adapters.spark.types import spark_schema
from lakecore.maintenance import MAINTENANCE_LOG, housekeeping
from lakecore.merge import MergeSpec
from lakecore.ports import RunContext
from lakecore.schema import LONG, Column, Layer, TableId, TableSpec
from pipelines import orders as lh
from tests.integration.runs import cli_env, in_process

pytestmark = pytest.mark.spark
EVENTS = TableSpec(
    TableId(Layer.SILVER, "events"),
    columns=(Column("id", LONG, nullable=False), Column("v", LONG), Column("day")),
    keys=("id",),
    zorder_by=("day",),
)
SPEC = MergeSpec.for_table(EVENTS, order_by=("v",))
RUN = RunContext("hk-1", datetime(2026, 11, 29).date(), datetime(2026, 11, 29, 4))


def _write(spark: SparkSession, store: DeltaTableStore, ids: range, v: int = 0) -> None:
    rows = [{"id": i, "v": v, "day": f"2026-11-{1 + i % 28:02d}"} for i in ids]
    store.append(EVENTS, spark.createDataFrame(rows, spark_schema(EVENTS)))


def _content(spark: SparkSession, store: DeltaTableStore) -> list[tuple[int, int]]:
    return sorted((r.id, r.v) for r in store.read(EVENTS).select("id", "v").collect())


def _parquet_files(table_dir: Path) -> int:
    """Data files on disk (the log's checkpoints are Parquet too)."""
    return sum(1 for p in table_dir.rglob("*.parquet") if "_delta_log" not in p.parts)


def test_many_small_appends_become_few_files_and_vacuum_removes_the_rest(
    spark: SparkSession, tmp_path: Path
) -> None:
    store = DeltaTableStore(spark, str(tmp_path / "lake"))
    for n in range(15):
        _write(spark, store, range(n * 10, n * 10 + 10))
    before = _content(spark, store)
    table_dir = tmp_path / "lake" / "silver" / "events"
    maintenance = DeltaMaintenance(spark, store)
    written = maintenance.files(EVENTS).count  # a file or more per append
    assert written >= 15
    kept = housekeeping([EVENTS], maintenance=maintenance, store=store, run=RUN,
                        progress=lambda step, **facts: None)  # fmt: skip

    (done,) = kept
    assert done.files_before == done.files_compacted == written
    assert done.files_after == 1  # 150 rows: one Z-ordered file
    assert done.files_vacuumed == 0  # the replaced files are younger than the retention
    assert _content(spark, store) == before
    (logged,) = store.read(MAINTENANCE_LOG).collect()
    assert (logged.table_name, logged.files_before, logged.files_after) == (
        "silver.events", written, 1,
    )  # fmt: skip
    assert logged.version_after == logged.version_before + 1

    dry = housekeeping([EVENTS], maintenance=maintenance, store=store, run=RUN, retain_hours=0,
                       force=True, dry_run=True, progress=lambda step, **facts: None)  # fmt: skip
    on_disk = _parquet_files(table_dir)
    assert dry[0].files_vacuumed == on_disk - 1 >= written  # all but the one file read now
    assert all(path.endswith(".parquet") for path in dry[0].removed)
    assert _parquet_files(table_dir) == on_disk  # a dry run deletes nothing
    housekeeping([EVENTS], maintenance=maintenance, store=store, run=RUN, retain_hours=0,
                 force=True, progress=lambda step, **facts: None)  # fmt: skip
    assert _parquet_files(table_dir) == 1
    assert _content(spark, store) == before
    assert len(store.read(MAINTENANCE_LOG).collect()) == 2  # the dry run is not logged


def test_a_merge_during_optimize_is_retried_and_loses_nothing(
    spark: SparkSession, tmp_path: Path
) -> None:
    store = DeltaTableStore(spark, str(tmp_path / "lake"))
    for n in range(8):
        _write(spark, store, range(n * 10, n * 10 + 10))
    maintenance = DeltaMaintenance(spark, store)
    failures: list[BaseException] = []

    def merging() -> None:  # updates rows in every file OPTIMIZE rewrites, and inserts
        try:
            for v in range(1, 4):
                rows = [{"id": i, "v": v, "day": "2026-11-30"} for i in range(0, 90, 2)]
                store.merge(EVENTS, spark.createDataFrame(rows, spark_schema(EVENTS)), SPEC)
        except BaseException as exc:
            failures.append(exc)

    writer = threading.Thread(target=merging)
    writer.start()
    for _ in range(2):
        maintenance.optimize(EVENTS)
    writer.join(timeout=600)

    assert not failures
    expected = dict.fromkeys(range(80), 0) | dict.fromkeys(range(0, 90, 2), 3)
    assert _content(spark, store) == sorted(expected.items())


def test_the_cli_dry_run_lists_and_logs_nothing(tmp_path: Path, spark: SparkSession) -> None:
    lake = tmp_path / "lake"
    store = DeltaTableStore(spark, str(lake))
    for day in range(1, 4):
        row = {"as_of_date": date(2026, 11, day), "ccy": "EUR", "rate_to_usd": Decimal("0.9")}
        store.append(lh.DIM_FX, spark.createDataFrame([row], spark_schema(lh.DIM_FX)))
    version = store.version(lh.DIM_FX.id)

    done = in_process(spark, ["housekeeping", "--table", "gold.dim_fx", "--dry-run"], cli_env(lake))

    assert done.returncode == 0, done.stderr[-2000:]
    assert "housekeeping (dry run: nothing changed):" in done.stdout
    assert "gold.dim_fx" in done.stdout
    assert "files     3 -> 3" in done.stdout
    assert store.version(lh.DIM_FX.id) == version
    assert not store.exists(MAINTENANCE_LOG.id)
