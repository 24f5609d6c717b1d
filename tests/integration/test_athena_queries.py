"""The Athena queries in ``infra/athena``, transpiled by sqlglot and run on Spark SQL against a
local lake registered under the Glue database names: every query runs, validations are silent
on a clean lake and find exactly the problems planted in a dirty copy, and a few KPI,
exploration and monitoring queries report what Python computes from the tables' rows."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from delta.tables import DeltaTable
from pyspark.sql import Row, SparkSession
from sqlglot import exp

from adapters.delta.store import DeltaTableStore
from adapters.memory import InMemoryReportStore
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from entrypoints.settings import AwsNames
from lakecore.daily import run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext
from lakecore.schema import Layer, TableSpec
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate

pytestmark = pytest.mark.spark

QUERY_ROOT = Path(__file__).resolve().parents[2] / "infra" / "athena"
QUERIES = sorted(QUERY_ROOT.glob("*/*.sql"))
CATEGORIES = ("exploration", "kpi", "validation", "monitoring")
_, SILVER_DB, GOLD_DB = AwsNames.model_fields["glue_databases"].default
DATABASES = {Layer.SILVER: SILVER_DB, Layer.GOLD: GOLD_DB}
TABLES = tuple(t for t in lh.TABLES if t.id.layer in DATABASES)
DAY = date(2026, 11, 27)
PAID_STATUSES = ("PAID", "SHIPPED")


def _name(table: TableSpec) -> str:
    return f"{DATABASES[table.id.layer]}.{table.id.name}"


def _query_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _athena(spark: SparkSession, query: str) -> list[Row]:
    """Run ``<category>/<name>`` as Athena would, through Spark SQL."""
    (statement,) = sqlglot.transpile(
        (QUERY_ROOT / f"{query}.sql").read_text(), read="athena", write="spark"
    )
    return spark.sql(statement).collect()


def _text(value: Any) -> str:
    """A key part as the validation queries print it."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "(null)" if value is None else str(value)


@dataclass(frozen=True)
class Planted:
    """A row appended behind the pipeline's back, and the validation queries that must find it."""

    table: TableSpec
    row: Mapping[str, Any]
    found_by: tuple[str, ...]

    @property
    def finding(self) -> tuple[str, str]:
        return _name(self.table), " ".join(_text(self.row[k]) for k in self.table.keys)


@dataclass(frozen=True)
class Lake:
    """The registered lake the queries see: clean, or with ``planted`` rows."""

    planted: Sequence[Planted] = ()

    def found_by(self, query: str) -> Counter[tuple[str, str]]:
        return Counter(p.finding for p in self.planted if query in p.found_by)


def _plants(spark: SparkSession) -> list[Planted]:
    """Rows for every validation query to find; each breaks only what its ``found_by`` says."""

    def first(table: TableSpec) -> dict[str, Any]:
        row = spark.table(_name(table)).orderBy(*table.keys).first()
        assert row is not None
        return row.asDict()

    def plant(table: TableSpec, query: str, base: Mapping[str, Any], **changes: Any) -> Planted:
        return Planted(table, {**base, **changes}, (f"validation/{query}",) if query else ())

    order = {**first(lh.ORDERS), "currency": "USD"}
    fact = {**first(lh.FACT_ORDERS), "currency": "USD", "amount_native": Decimal(100)}
    fact["amount_usd"] = fact["amount_native"]
    negative = {"amount_native": Decimal(-5), "amount_usd": Decimal(-5)}
    rejected = {"table": "gold.fact_orders", "record": '{"order_id": "ORD-NOFX"}'}
    return [
        *(plant(t, f"duplicate_keys_{t.id.layer}", first(t)) for t in TABLES if t.keys),
        plant(lh.ACCOUNTS, "null_keys", first(lh.ACCOUNTS), account_id=None),
        plant(lh.ORDERS, "null_keys", first(lh.ORDERS), order_id=None),
        plant(lh.DIM_CUSTOMERS, "null_keys", first(lh.DIM_CUSTOMERS), customer_id=None),
        plant(lh.FACT_ORDERS, "null_keys", fact, order_id=None),
        plant(lh.ORDERS, "negative_amounts", order, order_id="ORD-NEG", amount=Decimal(-5)),
        plant(lh.FACT_ORDERS, "negative_amounts", fact, order_id="FO-NEG", **negative),
        plant(lh.ORDERS, "unknown_order_statuses", order, order_id="ORD-ODD", status="REFUNDED"),
        plant(lh.FACT_ORDERS, "unknown_order_statuses", fact, order_id="FO-ODD", status="ON_HOLD"),
        plant(lh.ORDERS, "orders_without_fx_rate", order, order_id="ORD-NOFX", currency="BRL"),
        plant(lh.FACT_ORDERS, "fact_orders_usd_amount", fact, order_id="FO-NOFX", currency="ZAR"),
        plant(lh.FACT_ORDERS, "fact_orders_usd_amount", fact, order_id="FO-EUR", currency="EUR"),
        plant(lh.FACT_ORDERS, "fact_orders_unknown_customer", fact, order_id="FO-ORPHAN",
              customer_id="001NOBODY"),
        plant(lh.FX_RATES, "invalid_fx_rates", first(lh.FX_RATES), ccy="eur"),
        plant(lh.DIM_FX, "invalid_fx_rates", first(lh.DIM_FX), ccy="HKD", rate_to_usd=Decimal(0)),
        *(plant(lh.QUARANTINE, "", rejected, reason=r, _proc_date=DAY, _quarantined_at=datetime.now())
          for r in ("missing_fx_rate", "missing_fx_rate", "negative_amount")),
    ]  # fmt: skip


def _append(spark: SparkSession, planted: Sequence[Planted]) -> None:
    for name in {_name(p.table) for p in planted}:
        schema = spark.table(name).schema
        rows = [
            tuple(p.row.get(c) for c in schema.names) for p in planted if _name(p.table) == name
        ]
        spark.createDataFrame(rows, schema).write.format("delta").mode("append").saveAsTable(name)


def _register(spark: SparkSession, store: DeltaTableStore, warehouse: Path) -> None:
    """The tables under their Glue names, as ``lakecore register`` would in Glue."""
    for database in DATABASES.values():
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {database} LOCATION '{warehouse / database}'")
    for table in TABLES:
        spark.sql(f"DROP TABLE IF EXISTS {_name(table)}")
        spark.sql(f"CREATE TABLE {_name(table)} USING delta LOCATION '{store.location(table.id)}'")


@pytest.fixture(scope="module")
def clean_lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated day without defects, through the daily pipeline and its real gate."""
    landing, root = tmp_path_factory.mktemp("landing"), tmp_path_factory.mktemp("lake")
    generate(GenerateOptions(landing, 600, seed=11, dirty=0.0, business_date=DAY))
    run_daily(
        pipeline=lh.PIPELINE,
        landing=SparkFileLanding(spark, landing),
        store=DeltaTableStore(spark, str(root)),
        engine=SparkEngine(spark),
        gate=Gate(SparkGate(), InMemoryReportStore(), lh.SUITES),
        run=RunContext("run-1", DAY, datetime(2026, 11, 27, 12)),
        progress=lambda step, **facts: None,
    )
    return root


@pytest.fixture(scope="module", params=["clean", "dirty"])
def lake(
    request: pytest.FixtureRequest,
    spark: SparkSession,
    clean_lake: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Lake]:
    """The clean lake, or a copy with planted problems, registered; dropped again afterwards."""
    root = clean_lake
    if request.param == "dirty":
        root = tmp_path_factory.mktemp("dirty") / "lake"
        shutil.copytree(clean_lake, root)
    store = DeltaTableStore(spark, str(root))
    try:
        _register(spark, store, tmp_path_factory.mktemp("warehouse"))
        planted = _plants(spark) if request.param == "dirty" else []
        _append(spark, planted)
        yield Lake(planted)
    finally:
        for database in DATABASES.values():
            spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
    assert all(DeltaTable.isDeltaTable(spark, store.location(t.id)) for t in TABLES)


def test_at_least_21_queries_in_the_four_categories() -> None:
    assert len(QUERIES) >= 21
    assert {p.parent.name for p in QUERIES} == set(CATEGORIES)


@pytest.mark.parametrize("path", QUERIES, ids=_query_id)
def test_a_query_has_its_header_and_names_real_tables_by_glue_database(path: Path) -> None:
    text = path.read_text()
    header = takewhile(lambda line: line.startswith("-- "), text.splitlines())
    title, category, *rest = (line.removeprefix("-- ") for line in header)
    assert not title.startswith("category:")
    assert category == f"category: {path.parent.name}"
    expects_nothing = rest[:1] == ["expect: no rows on a clean lake"]
    assert expects_nothing == (path.parent.name == "validation")
    tree = sqlglot.parse_one(text, read="athena")
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    real = {_name(t) for t in TABLES}
    for table in tree.find_all(exp.Table):
        assert f"{table.db}.{table.name}" in real or (not table.db and table.name in ctes), table


@pytest.mark.parametrize("path", QUERIES, ids=_query_id)
def test_every_query_runs_on_the_lake(spark: SparkSession, lake: Lake, path: Path) -> None:
    rows = _athena(spark, _query_id(path))
    if path.parent.name == "validation":
        found = Counter((r.table_name, r.row_key) for r in rows)
        assert found == lake.found_by(_query_id(path))
        assert found or not lake.planted, "nothing planted for this validation"


def _table(spark: SparkSession, table: TableSpec) -> list[Row]:
    return spark.table(_name(table)).collect()


def test_row_counts_and_orders_per_status_count_the_rows(spark: SparkSession, lake: Lake) -> None:
    counts = {r.table_name: r.row_count for r in _athena(spark, "exploration/row_counts")}
    assert counts == {_name(t): spark.table(_name(t)).count() for t in TABLES}
    statuses = {r.status: r.orders for r in _athena(spark, "exploration/orders_per_status")}
    assert statuses == Counter(f.status for f in _table(spark, lh.FACT_ORDERS))


def test_revenue_by_currency_and_month_sums_the_paid_facts(spark: SparkSession, lake: Lake) -> None:
    expected: dict[tuple[str, str], tuple[int, Decimal, Decimal]] = {}
    for f in _table(spark, lh.FACT_ORDERS):
        if f.status in PAID_STATUSES:
            key = (f.order_date.strftime("%Y-%m"), f.currency)
            n, native, usd = expected.get(key, (0, Decimal(0), Decimal(0)))
            expected[key] = (n + 1, native + f.amount_native, usd + f.amount_usd)
    got = {}
    for r in _athena(spark, "kpi/revenue_usd_by_currency_month"):
        got[r.order_month, r.currency] = (r.paid_orders, r.revenue_native, r.revenue_usd)
    assert got == expected


def test_top_customers_are_the_ten_with_most_paid_revenue(spark: SparkSession, lake: Lake) -> None:
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for f in _table(spark, lh.FACT_ORDERS):
        if f.status in PAID_STATUSES:
            revenue[f.customer_id] += f.amount_usd
    top = sorted(revenue.items(), key=lambda item: (-item[1], item[0]))[:10]
    rows = _athena(spark, "kpi/top_customers_by_revenue")
    assert [(r.customer_id, r.revenue_usd) for r in rows] == top
    names = {c.customer_id: c.name for c in _table(spark, lh.DIM_CUSTOMERS)}
    assert [r.customer_name for r in rows] == [names.get(c) for c, _ in top]


def _latest_ingestion(spark: SparkSession, table: TableSpec) -> datetime | None:
    stamp = next((c for c in ("_ingested_at", "_quarantined_at") if table.has_column(c)), None)
    stamps = [r[stamp] for r in _table(spark, table)] if stamp else []
    return max((s for s in stamps if s is not None), default=None)


def test_freshness_reports_the_latest_ingestion_per_table(spark: SparkSession, lake: Lake) -> None:
    rows = _athena(spark, "monitoring/freshness")
    assert {r.table_name: r.last_ingested_at for r in rows} == {
        _name(t): _latest_ingestion(spark, t) for t in TABLES
    }


def test_quarantine_counts_per_day_table_and_reason(spark: SparkSession, lake: Lake) -> None:
    rows = _athena(spark, "monitoring/quarantine_by_reason_day")
    got = {(r.proc_date, r.table_name, r.reason): r.records for r in rows}
    assert got == Counter((q._proc_date, q.table, q.reason) for q in _table(spark, lh.QUARANTINE))


def test_reconciliation_accounts_for_every_silver_order(spark: SparkSession, lake: Lake) -> None:
    silver = {o.order_id for o in _table(spark, lh.ORDERS)} - {None}
    published = silver & {f.order_id for f in _table(spark, lh.FACT_ORDERS)}
    quarantined = (q.record for q in _table(spark, lh.QUARANTINE) if q.table == "gold.fact_orders")
    rejected = {json.loads(record)["order_id"] for record in quarantined} & silver - published
    (row,) = _athena(spark, "monitoring/silver_to_gold_reconciliation")
    assert row.asDict() == {
        "silver_orders": len(silver),
        "published_orders": len(published),
        "rejected_orders": len(rejected),
        "unaccounted_orders": len(silver - published - rejected),
    }
