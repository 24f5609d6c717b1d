"""The landing drift rules on Spark and Delta: a CSV lacking a declared field stops the run
before any write; one with a new column brings it to bronze (Delta schema evolution)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.memory.quality import InMemoryReportStore
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from lakecore.daily import run_daily
from lakecore.errors import SchemaMismatch
from lakecore.gate import Gate
from lakecore.ports import RunContext
from pipelines import orders as lh
from tests.unit.test_landing_drift import _rates, hostile_landing

pytestmark = pytest.mark.spark


def _run(spark: SparkSession, landing: Path, lake: Path) -> DeltaTableStore:
    store = DeltaTableStore(spark, str(lake))
    run_daily(
        pipeline=lh.PIPELINE,
        landing=SparkFileLanding(spark, landing),
        store=store,
        engine=SparkEngine(spark),
        gate=Gate(SparkGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext("run", date(2026, 11, 27), datetime(2026, 11, 27, 6)),
        progress=lambda step, **facts: None,
    )
    return store


def test_drift_in_landing_csv_on_delta(spark: SparkSession, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    _rates(
        landing, "rates-1.csv", "as_of_date,base_ccy,ccy,rate_to_base", ["2026-11-27,USD,EUR,0.9"]
    )
    _rates(landing, "rates-2.csv", "ccy,as_of_date,provider,base_ccy,rate_to_base",
           ["GBP,2026-11-27,ecb,USD,0.8"])  # fmt: skip
    store = _run(spark, landing, tmp_path / "lake")
    bronze = {r["ccy"]: r for r in store.read(lh.FX_LANDING.bronze).collect()}
    assert (bronze["EUR"]["provider"], bronze["GBP"]["provider"]) == (None, "ecb")
    assert bronze["GBP"]["rate_to_base"] == "0.8"
    assert sorted(r["ccy"] for r in store.read(lh.FX_RATES).collect()) == ["EUR", "GBP"]

    _rates(landing, "rates-3.csv", "as_of_date,base_ccy,rate_to_base", ["2026-11-27,USD,0.8"])
    version = store.version(lh.FX_LANDING.bronze.id)
    with pytest.raises(
        SchemaMismatch, match=r"landing file fx/rates/rates-3\.csv: field ccy is missing"
    ):
        _run(spark, landing, tmp_path / "lake")
    assert store.version(lh.FX_LANDING.bronze.id) == version


def test_a_bom_crlf_csv_is_read_and_a_binary_line_is_quarantined_on_spark(
    spark: SparkSession, tmp_path: Path
) -> None:
    store = _run(spark, hostile_landing(tmp_path / "landing"), tmp_path / "lake")
    assert [r["ccy"] for r in store.read(lh.FX_RATES).collect()] == ["EUR"]
    orders = sorted(r["order_id"] for r in store.read(lh.ORDERS).collect())
    assert orders == ["ORD-0000000001", "ORD-0000000002"]
    (bad,) = store.read(lh.QUARANTINE).collect()
    assert (bad["reason"], bad["_source_file"]) == (
        "malformed_record",
        "kafka/orders_events/events-1.jsonl",
    )


def test_an_empty_csv_is_refused_naming_the_file_on_spark(
    spark: SparkSession, tmp_path: Path
) -> None:
    folder = tmp_path / "landing" / "fx" / "rates"
    folder.mkdir(parents=True)
    (folder / "rates-0.csv").write_bytes(b"")
    with pytest.raises(SchemaMismatch, match=r"fx/rates/rates-0.csv has no header line"):
        _run(spark, tmp_path / "landing", tmp_path / "lake")
