"""The quality gate in the daily pipeline, on the memory adapters: what stops a run, what
gold looks like afterwards, and what the reports say."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.files.reports import LocalReportStore
from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryReportStore,
    InMemoryTableStore,
    LocalFileLanding,
)
from lakecore.daily import DailyReport, run_daily
from lakecore.errors import ConfigurationError, QualityGateFailed
from lakecore.gate import Gate, GateFailed
from lakecore.ports import ReportStore, RunContext
from lakecore.rules import NotNull, Pattern, Range, Rule, RuleSuite
from lakecore.schema import TableSpec
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.memory import run_on

DAY = date(2026, 11, 27)
Row = dict[str, Any]


def _landing(root: Path, day: date, *, dirty: float = 0.0, rows: int = 800) -> Path:
    out = root / f"landing-{day}-{dirty}"
    generate(GenerateOptions(out, rows, seed=day.day, dirty=dirty, business_date=day))
    return out


def _run(
    landing: Path,
    store: InMemoryTableStore,
    day: date,
    *,
    reports: ReportStore | None = None,
    suites: dict[Any, RuleSuite] | None = None,
) -> DailyReport:
    gate = Gate(InMemoryGate(), reports or InMemoryReportStore(), suites or lh.SUITES)
    run = RunContext(f"run-{day}", day, datetime.combine(day, datetime.min.time()))
    return run_on(landing, store, run=run, gate=gate)


def _gold(store: InMemoryTableStore) -> dict[str, list[str]]:
    return {
        str(t.id): sorted(repr(sorted(r.items())) for r in store.read(t)) for t in lh.GOLD_TABLES
    }


@pytest.fixture(scope="module")
def day_one(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A clean first day and a clean second day of landing data."""
    root = tmp_path_factory.mktemp("landing")
    return _landing(root, DAY), _landing(root, DAY + timedelta(1))


def test_a_clean_run_passes_the_gate_and_reports_every_table(
    day_one: tuple[Path, Path], tmp_path: Path
) -> None:
    reports = LocalReportStore(tmp_path)
    result = _run(day_one[0], InMemoryTableStore(), DAY, reports=reports)
    checked = {str(r.table) for r in result.quality}
    assert checked == {str(t.id) for t in (*lh.SILVER_TABLES, *lh.GOLD_TABLES, lh.QUARANTINE)}
    assert all(r.passed for r in result.quality)
    written = sorted((tmp_path / "gold" / "quality").glob("*/*.json"))
    assert len(written) == len(result.quality)
    orders = json.loads(next((tmp_path / "gold/quality/silver.orders").glob("*.json")).read_text())
    assert orders["result"] == "passed"
    assert orders["run_id"] == f"run-{DAY}"
    assert orders["table_version"] is None  # judged before its first commit (write-audit-publish)
    assert {r["rule"] for r in orders["rules"]} >= {"not_null(order_id)", "range(0<=amount)"}


def test_too_many_quarantined_records_stop_the_run_before_gold(tmp_path: Path) -> None:
    store = InMemoryTableStore()
    with pytest.raises(GateFailed) as failed:
        _run(_landing(tmp_path, DAY, dirty=0.05), store, DAY)
    assert isinstance(failed.value, QualityGateFailed)
    assert failed.value.exit_code == 1
    (share,) = [f for r in failed.value.reports for f in r.failures]
    assert share.kind == "QuarantineShare"
    assert share.unexpected > 0
    assert "quarantine_share" in str(failed.value)
    # write-audit-publish: judged before anything past bronze was written
    assert not any(store.exists(t.id) for t in (*lh.SILVER_TABLES, lh.QUARANTINE))
    assert not any(store.exists(t.id) for t in lh.GOLD_TABLES)


def _bad_fx(rows: list[Row]) -> list[Row]:
    return [{**rows[0], "ccy": None}]


def _duplicate_fx(rows: list[Row]) -> list[Row]:
    old = {**rows[0], "as_of_date": date(2001, 1, 1)}  # a key no landing file restates
    return [old, {**old, "rate_to_base": old["rate_to_base"] + 1}]


def _zero_rate(rows: list[Row]) -> list[Row]:
    return [{**rows[0], "rate_to_base": Decimal(0), "ccy": "ZZZ"}]


def _null_order_id(rows: list[Row]) -> list[Row]:
    return [{**rows[0], "order_id": None}]


def _negative_amount(rows: list[Row]) -> list[Row]:
    return [{**rows[0], "event_ts": rows[0]["event_ts"] + timedelta(1), "amount": Decimal(-5)}]


def _unknown_status(rows: list[Row]) -> list[Row]:
    return [{**rows[0], "event_ts": rows[0]["event_ts"] + timedelta(1), "status": "LOST"}]


@pytest.mark.parametrize(
    ("table", "inject", "rule"),
    [
        (lh.FX_RATES, _bad_fx, "not_null(ccy)"),
        (lh.FX_RATES, _duplicate_fx, "unique(as_of_date,ccy)"),
        (lh.FX_RATES, _zero_rate, "range(0<rate_to_base)"),
        (lh.ORDERS, _null_order_id, "not_null(order_id)"),
        (lh.ORDERS, _negative_amount, "range(0<=amount)"),
        (lh.ORDERS, _unknown_status, "in_set(status)"),
    ],
)
def test_a_critical_violation_in_silver_stops_the_run_and_gold_stays_as_it_was(
    day_one: tuple[Path, Path],
    table: TableSpec,
    inject: Callable[[list[Row]], list[Row]],
    rule: str,
    tmp_path: Path,
) -> None:
    store = InMemoryTableStore()
    _run(day_one[0], store, DAY)
    gold = _gold(store)
    # A mapping or MERGE bug: a row that record-level checks would never have let in.
    store.append(table, inject(store.read(table)))
    # Day two brings no FX file: the memory MERGE would re-key the duplicate away otherwise.
    day_two = tmp_path / "day-two"
    shutil.copytree(day_one[1], day_two, ignore=shutil.ignore_patterns("rates"))
    with pytest.raises(GateFailed) as failed:
        _run(day_two, store, DAY + timedelta(1))
    failures = {(str(r.table), f.rule): f for r in failed.value.reports for f in r.failures}
    assert list(failures) == [(str(table.id), rule)]
    found = failures[str(table.id), rule]
    assert found.unexpected == (2 if rule.startswith("unique") else 1)
    assert found.samples
    assert _gold(store) == gold


def test_warnings_are_reported_and_do_not_stop_the_run(day_one: tuple[Path, Path]) -> None:
    store = InMemoryTableStore()
    _run(day_one[0], store, DAY)
    # An order for a customer not (yet) in Salesforce: the reference rule is a warning.
    orders = store.read(lh.ORDERS)
    store.append(lh.ORDERS, [{**orders[0], "order_id": "ORD-LATE-1", "customer_id": "001NEW"}])
    result = _run(day_one[1], store, DAY + timedelta(1))
    (fact,) = [r for r in result.quality if r.table == lh.FACT_ORDERS.id]
    assert fact.passed
    assert [w.rule for w in fact.warnings] == [
        "reference(customer_id->gold.dim_customers.customer_id)"
    ]
    assert fact.warnings[0].unexpected == 1
    assert any(f["order_id"] == "ORD-LATE-1" for f in store.read(lh.FACT_ORDERS))


class _Recording(InMemoryGate):
    """The memory executor, keeping the rules of every suite it was asked to measure."""

    def __init__(self) -> None:
        self.measured: dict[str, set[str]] = {}

    def measure(
        self,
        frame: Any,
        suite: RuleSuite,
        references: Any,
        sample_size: int,
        *,
        run_id: str | None = None,
    ) -> Any:
        self.measured.setdefault(str(suite.table), set()).update(r.name for r in suite.rules)
        return super().measure(frame, suite, references, sample_size, run_id=run_id)


def test_a_silver_candidate_is_not_measured_for_the_uniqueness_its_merge_guarantees(
    day_one: tuple[Path, Path],
) -> None:
    store, executor = InMemoryTableStore(), _Recording()
    _run(day_one[0], store, DAY)
    result = run_on(
        day_one[1],
        store,
        gate=Gate(executor, InMemoryReportStore(), lh.SUITES),
        run=RunContext("day-two", DAY + timedelta(1), datetime.combine(DAY, datetime.min.time())),
    )
    (orders,) = [r for r in result.quality if r.table == lh.ORDERS.id]
    (unique,) = [r for r in orders.results if r.rule == "unique(order_id,event_ts)"]
    assert (unique.passed, unique.unexpected) == (True, 0)
    assert "by construction" in (unique.observed or "")
    assert "unique(order_id,event_ts)" not in executor.measured["silver.orders"]
    assert "not_null(order_id)" in executor.measured["silver.orders"]
    # gold candidates come from a transform, not a merge: their keys are measured
    assert "unique(order_id)" in executor.measured["gold.fact_orders"]
    # and the guarantee holds: the table as merged has each key once
    keys = [(r["order_id"], r["event_ts"]) for r in store.read(lh.ORDERS)]
    assert len(keys) == len(set(keys))


class _Untouchable(LocalFileLanding):
    def list_files(self, dataset: Any) -> Any:
        raise AssertionError("data was read before the suites were checked")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (NotNull("no_such_column"), "unknown column 'no_such_column'"),
        (NotNull("sku", severity="fatal"), "unknown severity"),  # type: ignore[arg-type]
        (Range("amount", min=10, max=1), "min > max"),
        (Pattern("sku", "(unclosed"), "invalid regex"),
    ],
)
def test_a_bad_suite_fails_before_any_data_is_read(
    tmp_path: Path, rule: Rule, message: str
) -> None:
    suites = dict(lh.SUITES)
    orders = suites[lh.ORDERS.id]
    suites[lh.ORDERS.id] = replace(orders, rules=(*orders.rules, rule))
    gate = Gate(InMemoryGate(), InMemoryReportStore(), suites)
    with pytest.raises(ConfigurationError, match=message):
        run_daily(
            pipeline=lh.PIPELINE,
            landing=_Untouchable(tmp_path),
            store=InMemoryTableStore(),
            engine=InMemoryEngine(),
            gate=gate,
            run=RunContext("r", DAY, datetime(2026, 11, 27)),
            progress=lambda step, **facts: None,
        )
