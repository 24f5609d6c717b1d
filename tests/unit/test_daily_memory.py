"""The daily pipeline end to end on the in-memory adapters, on generated landing files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from adapters.memory import (
    InMemoryTableStore,
)
from lakecore.daily import GOLD_REJECTS, SILVER_REJECTS, DailyReport
from lakecore.errors import SourceNotFound
from lakecore.ports import RunContext
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.memory import run_on

DAY = date(2026, 11, 27)


def _run(landing: Path, store: InMemoryTableStore, n: int) -> DailyReport:
    return run_on(landing, store, run=RunContext(f"run-{n}", DAY, datetime(2026, 11, 27, 12, n)))


def _snapshot(store: InMemoryTableStore) -> dict[str, list[str]]:
    return {
        str(t.id): sorted(repr(sorted(r.items())) for r in store.read(t))
        for t in lh.TABLES
        if store.exists(t.id)
    }


@pytest.fixture(scope="module")
def dirty_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(GenerateOptions(out, 2_000, seed=3, dirty=0.1, business_date=DAY))
    return out


def test_clean_data_reaches_gold_without_quarantine(tmp_path: Path) -> None:
    generate(GenerateOptions(tmp_path, 1_000, seed=1, dirty=0.0, business_date=DAY))
    store = InMemoryTableStore()
    _run(tmp_path, store, 1)
    assert store.read(lh.QUARANTINE) == []
    facts = store.read(lh.FACT_ORDERS)
    assert facts
    assert all(f["amount_usd"] is not None and f["amount_usd"] >= 0 for f in facts)
    assert len({f["order_id"] for f in facts}) == len(facts)


def test_dirty_records_are_quarantined_with_reasons_never_dropped(dirty_landing: Path) -> None:
    store = InMemoryTableStore()
    _run(dirty_landing, store, 1)
    # that every record lands exactly once is test_recovery's counting test; here: the reasons
    quarantined = [q for q in store.read(lh.QUARANTINE) if q["table"] == "silver.orders"]
    assert {q["reason"].split(":")[0] for q in quarantined} >= {"rule", "malformed_record"}
    missing_fx = [q for q in store.read(lh.QUARANTINE) if q["reason"] == "missing_fx_rate"]
    assert missing_fx
    assert all(f["amount_usd"] is not None for f in store.read(lh.FACT_ORDERS))


def test_the_report_says_which_quarantine_write_is_whose(dirty_landing: Path) -> None:
    store = InMemoryTableStore()
    report = _run(dirty_landing, store, 1)
    slices = [(w.note, w.rows_written) for w in report.writes if w.table == lh.QUARANTINE.id]
    rows = store.read(lh.QUARANTINE)
    gold = sum(1 for q in rows if q["table"].startswith("gold."))
    assert slices == [(SILVER_REJECTS, len(rows) - gold), (GOLD_REJECTS, gold)]
    assert all(w.note is None for w in report.writes if w.table != lh.QUARANTINE.id)


def test_a_second_run_changes_no_table(dirty_landing: Path) -> None:
    store = InMemoryTableStore()
    _run(dirty_landing, store, 1)
    before = _snapshot(store)
    _run(dirty_landing, store, 2)
    assert _snapshot(store) == before


def test_a_missing_landing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match="does not exist"):
        _run(tmp_path / "nope", InMemoryTableStore(), 1)
