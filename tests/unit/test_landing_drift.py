"""Landing files drift too: a CSV whose header lacks a declared field stops the run before
anything is written, naming the file and field; one with a new column brings it to bronze."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryReportStore,
    InMemoryTableStore,
    LocalFileLanding,
)
from lakecore.daily import run_daily
from lakecore.errors import SchemaMismatch
from lakecore.gate import Gate
from lakecore.ports import RunContext
from pipelines import orders as lh

DAY = date(2026, 11, 27)


def _rates(landing: Path, name: str, header: str, rows: list[str]) -> None:
    folder = landing / "fx" / "rates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join([header, *rows]) + "\n")


def _run(landing: Path, store: InMemoryTableStore) -> None:
    run_daily(
        pipeline=lh.PIPELINE,
        landing=LocalFileLanding(landing),
        store=store,
        engine=InMemoryEngine(),
        gate=Gate(InMemoryGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext("run", DAY, datetime(2026, 11, 27, 6)),
        progress=lambda step, **facts: None,
    )


def test_a_csv_without_a_declared_field_stops_the_run_before_any_write(tmp_path: Path) -> None:
    _rates(
        tmp_path, "rates-1.csv", "as_of_date,base_ccy,ccy,rate_to_base", ["2026-11-27,USD,EUR,0.9"]
    )
    _rates(tmp_path, "rates-2.csv", "as_of_date,base_ccy,rate_to_base", ["2026-11-27,USD,0.8"])
    store = InMemoryTableStore()
    with pytest.raises(
        SchemaMismatch,
        match=r"^landing file fx/rates/rates-2.csv: field ccy is missing from its header$",
    ):
        _run(tmp_path, store)
    assert not store.exists(lh.FX_LANDING.bronze.id)


def test_a_csv_with_a_new_column_brings_it_to_bronze(tmp_path: Path) -> None:
    _rates(
        tmp_path, "rates-1.csv", "as_of_date,base_ccy,ccy,rate_to_base", ["2026-11-27,USD,EUR,0.9"]
    )
    _rates(tmp_path, "rates-2.csv", "ccy,as_of_date,provider,base_ccy,rate_to_base",
           ["GBP,2026-11-27,ecb,USD,0.8"])  # fmt: skip
    store = InMemoryTableStore()
    _run(tmp_path, store)
    bronze = {r["ccy"]: r for r in store.read(lh.FX_LANDING.bronze)}
    assert (bronze["EUR"]["provider"], bronze["GBP"]["provider"]) == (None, "ecb")
    assert bronze["GBP"]["rate_to_base"] == "0.8"
    assert sorted(r["ccy"] for r in store.read(lh.FX_RATES)) == ["EUR", "GBP"]
