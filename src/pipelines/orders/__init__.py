"""The orders lakehouse, the pipeline lakecore runs by default: its bronze, silver and gold
tables, how records move between them, and the rules they must satisfy. All of it is data
(``PIPELINE``), so users can read, test and extend it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from lakecore import (
    BOOLEAN,
    DATE,
    KAFKA_FIELDS,
    SILVER_LINEAGE,
    TIMESTAMP,
    Changed,
    Column,
    ConformSpec,
    CurrencyConversion,
    Engine,
    Extraction,
    FieldMap,
    Freshness,
    GoldOutput,
    GoldUpdate,
    InSet,
    JoinKind,
    Layer,
    MergeSpec,
    NotNull,
    Pattern,
    Pipeline,
    Range,
    RecordRule,
    ReferenceExists,
    RuleSuite,
    RunContext,
    Severity,
    Stream,
    TableId,
    TableSpec,
    Unique,
    VolumeChange,
    decimal,
    landing_dataset,
    quarantine_table,
)

F = TypeVar("F")


ORDER_STATUSES = ("PLACED", "PAID", "SHIPPED", "CANCELLED")
AMOUNT = decimal(18, 2)
RATE = decimal(20, 10)
CURRENCY_CODE = r"^[A-Z]{3}$"


ACCOUNT_FIELDS = (
    "Id", "Name", "Industry", "BillingCountry", "CreatedDate", "SystemModstamp", "IsDeleted",
)  # fmt: skip
LEAD_FIELDS = (
    "Id", "FirstName", "LastName", "Company", "Email", "Status", "ConvertedAccountId",
    "CreatedDate", "SystemModstamp", "IsDeleted",
)  # fmt: skip
LEGACY_ORDER_FIELDS = ("ORDER_NO", "CUST_ID", "ORDER_TS", "CCY", "AMT", "ORDER_STATUS", "ITEM_CODE")
FX_FIELDS = ("as_of_date", "base_ccy", "ccy", "rate_to_base")

#: Salesforce changes are ordered by SystemModstamp, ties by Id.
SALESFORCE_CURSOR = ("SystemModstamp", "Id")
ACCOUNTS_LANDING = landing_dataset(
    "salesforce", "accounts", "jsonl", ACCOUNT_FIELDS, Extraction("Account", SALESFORCE_CURSOR)
)
LEADS_LANDING = landing_dataset(
    "salesforce", "leads", "jsonl", LEAD_FIELDS, Extraction("Lead", SALESFORCE_CURSOR)
)
ORDER_EVENTS_LANDING = landing_dataset("kafka", "orders_events", "jsonl", KAFKA_FIELDS)
LEGACY_ORDERS_LANDING = landing_dataset(
    "snowflake",
    "legacy_orders",
    "csv",
    LEGACY_ORDER_FIELDS,
    Extraction("LEGACY_ORDERS", ("ORDER_TS",)),
)
FX_LANDING = landing_dataset("fx", "rates", "csv", FX_FIELDS)
LANDING = (ACCOUNTS_LANDING, LEADS_LANDING, ORDER_EVENTS_LANDING, LEGACY_ORDERS_LANDING, FX_LANDING)

# --- silver -------------------------------------------------------------------------------

ACCOUNTS = TableSpec(
    TableId(Layer.SILVER, "salesforce_accounts"),
    columns=(
        Column("account_id", nullable=False),
        Column("name"),
        Column("industry"),
        Column("billing_country"),
        Column("created_at", TIMESTAMP),
        Column("modified_at", TIMESTAMP),
        Column("is_deleted", BOOLEAN),
        *SILVER_LINEAGE,
    ),
    keys=("account_id",),
    description="Salesforce accounts, latest version per Id.",
)
LEADS = TableSpec(
    TableId(Layer.SILVER, "salesforce_leads"),
    columns=(
        Column("lead_id", nullable=False),
        Column("first_name"),
        Column("last_name"),
        Column("company"),
        Column("email"),
        Column("status"),
        Column("converted_account_id"),
        Column("created_at", TIMESTAMP),
        Column("modified_at", TIMESTAMP),
        Column("is_deleted", BOOLEAN),
        *SILVER_LINEAGE,
    ),
    keys=("lead_id",),
    description="Salesforce leads, latest version per Id.",
)
FX_RATES = TableSpec(
    TableId(Layer.SILVER, "fx_rates"),
    columns=(
        Column("as_of_date", DATE, nullable=False),
        Column("base_ccy"),
        Column("ccy", nullable=False),
        Column("rate_to_base", RATE),
        *SILVER_LINEAGE,
    ),
    keys=("as_of_date", "ccy"),
    description="Daily FX rates: units of ccy per one unit of base_ccy (USD).",
)
ORDERS = TableSpec(
    TableId(Layer.SILVER, "orders"),
    columns=(
        Column("order_id", nullable=False),
        Column("customer_id"),
        Column("event_ts", TIMESTAMP, nullable=False),
        Column("currency"),
        Column("amount", AMOUNT),
        Column("status"),
        Column("sku"),
        Column("source"),
        *SILVER_LINEAGE,
    ),
    keys=("order_id", "event_ts"),
    zorder_by=("customer_id",),
    description="Every order event, Kafka and the legacy Snowflake backfill, one row per event.",
)
QUARANTINE = quarantine_table()

# --- gold ---------------------------------------------------------------------------------

DIM_CUSTOMERS = TableSpec(
    TableId(Layer.GOLD, "dim_customers"),
    columns=(
        Column("customer_id", nullable=False),
        Column("name"),
        Column("industry"),
        Column("country"),
        Column("created_at", TIMESTAMP),
        Column("updated_at", TIMESTAMP),
    ),
    keys=("customer_id",),
    description="Current, non-deleted Salesforce accounts.",
)
DIM_FX = TableSpec(
    TableId(Layer.GOLD, "dim_fx"),
    columns=(
        Column("as_of_date", DATE, nullable=False),
        Column("ccy", nullable=False),
        Column("rate_to_usd", RATE),
    ),
    keys=("as_of_date", "ccy"),
    description="Units of ccy per 1 USD, per day.",
)
FACT_ORDERS = TableSpec(
    TableId(Layer.GOLD, "fact_orders"),
    columns=(
        Column("order_id", nullable=False),
        Column("customer_id"),
        Column("order_date", DATE),
        Column("currency"),
        Column("amount_native", AMOUNT),
        Column("amount_usd", AMOUNT),
        Column("status"),
    ),
    keys=("order_id",),
    zorder_by=("customer_id", "order_date"),
    description="Orders at their latest status, dated by their first event, amounts in USD.",
)

# --- bronze -> silver ---------------------------------------------------------------------

_ORDER_RULES: tuple[RecordRule, ...] = (
    NotNull("order_id"),
    NotNull("event_ts"),
    NotNull("customer_id"),
    NotNull("currency"),
    Pattern("currency", CURRENCY_CODE),
    NotNull("amount"),
    Range("amount", min=0),
    InSet("status", ORDER_STATUSES),
)
_ORDER_CONSTANTS_KAFKA = (("source", "kafka"),)
#: Order events from Kafka, landed as files or streamed from the topic: judged the same.
ORDER_EVENTS_CONFORM = ConformSpec(
    ORDER_EVENTS_LANDING.bronze.id,
    ORDERS,
    payload="value",
    fields=(
        FieldMap("order_id", "order_id"),
        FieldMap("customer_id", "customer_id"),
        FieldMap("event_ts", "event_ts"),
        FieldMap("currency", "currency", upper=True),
        FieldMap("amount", "amount"),
        FieldMap("status", "status", upper=True),
        FieldMap("sku", "sku"),
    ),
    rules=_ORDER_RULES,
    constants=_ORDER_CONSTANTS_KAFKA,
)

CONFORM: tuple[ConformSpec, ...] = (
    ConformSpec(
        ACCOUNTS_LANDING.bronze.id,
        ACCOUNTS,
        fields=(
            FieldMap("account_id", "Id"),
            FieldMap("name", "Name"),
            FieldMap("industry", "Industry"),
            FieldMap("billing_country", "BillingCountry", upper=True),
            FieldMap("created_at", "CreatedDate"),
            FieldMap("modified_at", "SystemModstamp"),
            FieldMap("is_deleted", "IsDeleted"),
        ),
        rules=(NotNull("account_id"), NotNull("modified_at")),
    ),
    ConformSpec(
        LEADS_LANDING.bronze.id,
        LEADS,
        fields=(
            FieldMap("lead_id", "Id"),
            FieldMap("first_name", "FirstName"),
            FieldMap("last_name", "LastName"),
            FieldMap("company", "Company"),
            FieldMap("email", "Email"),
            FieldMap("status", "Status"),
            FieldMap("converted_account_id", "ConvertedAccountId"),
            FieldMap("created_at", "CreatedDate"),
            FieldMap("modified_at", "SystemModstamp"),
            FieldMap("is_deleted", "IsDeleted"),
        ),
        rules=(NotNull("lead_id"), NotNull("modified_at")),
    ),
    ConformSpec(
        FX_LANDING.bronze.id,
        FX_RATES,
        fields=(
            FieldMap("as_of_date", "as_of_date"),
            FieldMap("base_ccy", "base_ccy", upper=True),
            FieldMap("ccy", "ccy", upper=True),
            FieldMap("rate_to_base", "rate_to_base"),
        ),
        rules=(
            NotNull("as_of_date"),
            NotNull("ccy"),
            Pattern("ccy", CURRENCY_CODE),
            InSet("base_ccy", ("USD",)),
            NotNull("rate_to_base"),
            Range("rate_to_base", min=0, min_inclusive=False),
        ),
    ),
    ORDER_EVENTS_CONFORM,
    ConformSpec(
        LEGACY_ORDERS_LANDING.bronze.id,
        ORDERS,
        fields=(
            FieldMap("order_id", "ORDER_NO"),
            FieldMap("customer_id", "CUST_ID"),
            FieldMap("event_ts", "ORDER_TS"),
            FieldMap("currency", "CCY", upper=True),
            FieldMap("amount", "AMT"),
            FieldMap("status", "ORDER_STATUS", upper=True),
            FieldMap("sku", "ITEM_CODE"),
        ),
        rules=_ORDER_RULES,
        constants=(("source", "snowflake"),),
    ),
)

#: How each silver table decides which version of a row wins.
SILVER_MERGE: dict[TableId, MergeSpec] = {
    ACCOUNTS.id: MergeSpec.for_table(ACCOUNTS, order_by=("modified_at",)),
    LEADS.id: MergeSpec.for_table(LEADS, order_by=("modified_at",)),
    # A restated rate arrives in a later file (names carry their date): the later file wins,
    # and of a file delivered again under its name, the later delivery.
    FX_RATES.id: MergeSpec.for_table(FX_RATES, order_by=("_source_file", "_ingested_at")),
    # An order event delivered again (a corrected backfill day, a re-sent message): the
    # later ingestion wins; within one, the greatest content.
    ORDERS.id: MergeSpec.for_table(ORDERS, order_by=("_ingested_at",)),
}

# --- silver -> gold -----------------------------------------------------------------------

DIM_CUSTOMERS_COLUMNS = (
    ("customer_id", "account_id"),
    ("name", "name"),
    ("industry", "industry"),
    ("country", "billing_country"),
    ("created_at", "created_at"),
    ("updated_at", "modified_at"),
)
DIM_FX_COLUMNS = (("as_of_date", "as_of_date"), ("ccy", "ccy"), ("rate_to_usd", "rate_to_base"))
#: The latest event of an order decides its status; its first event dates it.
LATEST_ORDER = MergeSpec(
    keys=("order_id",),
    order_by=("event_ts",),
    tiebreak=tuple(c for c in ORDERS.business_columns if c not in ("order_id", "event_ts")),
)
FIRST_EVENT = {"placed_at": "event_ts"}
TO_USD = CurrencyConversion(
    amount="amount",
    currency="currency",
    timestamp="placed_at",
    date_column="order_date",
    target="amount_usd",
)
FACT_ORDERS_COLUMNS = (
    ("order_id", "order_id"),
    ("customer_id", "customer_id"),
    ("order_date", "order_date"),
    ("currency", "currency"),
    ("amount_native", "amount"),
    ("amount_usd", "amount_usd"),
    ("status", "status"),
)

# --- rules the tables must satisfy (the quality gate judges these) ------------------------


def _conform_rules(table: TableSpec) -> tuple[RecordRule, ...]:
    """The record rules applied where records enter ``table``: judged again on the table."""
    rules = (r for spec in CONFORM if spec.target.id == table.id for r in spec.rules)
    return tuple(dict.fromkeys(rules))


#: The share of a run's incoming records that may be quarantined before the gate stops it.
QUARANTINE_THRESHOLD = 0.01

SUITES: dict[TableId, RuleSuite] = {
    ACCOUNTS.id: RuleSuite(ACCOUNTS.id, (*_conform_rules(ACCOUNTS), Unique(("account_id",)))),
    LEADS.id: RuleSuite(
        LEADS.id,
        (
            *_conform_rules(LEADS),
            Unique(("lead_id",)),
            Pattern("email", r"^[^@\s]+@[^@\s]+$", severity=Severity.WARNING),
        ),
    ),
    FX_RATES.id: RuleSuite(
        FX_RATES.id,
        (
            *_conform_rules(FX_RATES),
            Unique(("as_of_date", "ccy")),
            Freshness("as_of_date", max_age_days=3),
        ),
    ),
    ORDERS.id: RuleSuite(
        ORDERS.id,
        (
            *_conform_rules(ORDERS),
            Unique(("order_id", "event_ts")),
            InSet("source", ("kafka", "snowflake")),
            Freshness("event_ts", max_age_days=2),
            VolumeChange(),
        ),
    ),
    QUARANTINE.id: RuleSuite(QUARANTINE.id, (NotNull("table"), NotNull("reason"))),
    DIM_CUSTOMERS.id: RuleSuite(
        DIM_CUSTOMERS.id, (NotNull("customer_id"), Unique(("customer_id",)))
    ),
    DIM_FX.id: RuleSuite(
        DIM_FX.id,
        (
            NotNull("as_of_date"),
            NotNull("ccy"),
            Pattern("ccy", CURRENCY_CODE),
            Unique(("as_of_date", "ccy")),
            NotNull("rate_to_usd"),
            Range("rate_to_usd", min=0, min_inclusive=False),
        ),
    ),
    FACT_ORDERS.id: RuleSuite(
        FACT_ORDERS.id,
        (
            NotNull("order_id"),
            Unique(("order_id",)),
            NotNull("customer_id"),
            NotNull("order_date"),
            NotNull("amount_native"),
            Range("amount_native", min=0),
            # Every order has an FX rate (USD converts to itself): an order without one is
            # quarantined when gold is built, never converted at 1.0.
            NotNull("amount_usd"),
            Range("amount_usd", min=0),
            InSet("status", ORDER_STATUSES),
            # Orders may arrive before their account is synced: reported, not blocking.
            ReferenceExists(
                "customer_id", DIM_CUSTOMERS.id, "customer_id", severity=Severity.WARNING
            ),
            VolumeChange(),
        ),
    ),
}


class OrdersGold:
    """Customers, FX rates and orders in USD, from silver; orders without a rate for their
    day are rejected (``missing_fx_rate``), never converted at 1.0."""

    inputs = (ACCOUNTS, FX_RATES, ORDERS)
    outputs = (DIM_CUSTOMERS, DIM_FX, FACT_ORDERS)

    def build(
        self, inputs: Mapping[TableId, F], engine: Engine[F], run: RunContext
    ) -> GoldOutput[F]:
        accounts = engine.where_not_equal(inputs[ACCOUNTS.id], "is_deleted", True)
        customers = engine.project(accounts, DIM_CUSTOMERS_COLUMNS)
        fx = engine.project(inputs[FX_RATES.id], DIM_FX_COLUMNS)
        orders = engine.latest(inputs[ORDERS.id], LATEST_ORDER, FIRST_EVENT)
        converted = engine.convert(orders, fx, TO_USD, FACT_ORDERS, run)
        facts = engine.project(converted.valid, FACT_ORDERS_COLUMNS)
        tables = {DIM_CUSTOMERS.id: customers, DIM_FX.id: fx, FACT_ORDERS.id: facts}
        return GoldOutput(tables, converted.rejected)

    def update(
        self,
        changes: Mapping[TableId, F],
        inputs: Mapping[TableId, F],
        engine: Engine[F],
        run: RunContext,
    ) -> GoldUpdate[F]:
        """Changed accounts and rates replace their rows; an order is built again from all
        its events when one of them changed, or when a rate of the day it was placed did."""
        accounts = changes[ACCOUNTS.id]
        customers = Changed(
            engine.project(accounts, (("customer_id", "account_id"),)),
            engine.project(
                engine.where_not_equal(accounts, "is_deleted", True), DIM_CUSTOMERS_COLUMNS
            ),
        )
        rates = engine.project(changes[FX_RATES.id], DIM_FX_COLUMNS)
        fx = Changed(engine.project(rates, (("as_of_date", "as_of_date"), ("ccy", "ccy"))), rates)
        events = inputs[ORDERS.id]
        # An order's day is its first event's: an order placed on a day whose rates changed
        # has an event on that day.
        days = engine.aggregate(engine.project(rates, (("_day", "as_of_date"),)), ("_day",), ())
        on_those_days = engine.join(
            engine.with_day(events, "_day", "event_ts"), days, ("_day",), JoinKind.SEMI
        )
        ids = engine.union(
            [
                engine.project(changes[ORDERS.id], (("order_id", "order_id"),)),
                engine.project(on_those_days, (("order_id", "order_id"),)),
            ]
        )
        affected = engine.aggregate(ids, ("order_id",), ())
        orders = engine.latest(
            engine.join(events, affected, ("order_id",), JoinKind.SEMI), LATEST_ORDER, FIRST_EVENT
        )
        all_rates = engine.project(inputs[FX_RATES.id], DIM_FX_COLUMNS)
        converted = engine.convert(orders, all_rates, TO_USD, FACT_ORDERS, run)
        facts = Changed(affected, engine.project(converted.valid, FACT_ORDERS_COLUMNS))
        rejected_keys = engine.with_constants(
            engine.project(affected, (("key", "order_id"),)), {"table": str(FACT_ORDERS.id)}
        )
        tables = {DIM_CUSTOMERS.id: customers, DIM_FX.id: fx, FACT_ORDERS.id: facts}
        return GoldUpdate(tables, Changed(rejected_keys, converted.rejected))


#: The order events topic, streamed into bronze and silver.orders (``lakecore stream orders``).
ORDERS_STREAM = Stream("orders", "orders_events", ORDER_EVENTS_LANDING, ORDER_EVENTS_CONFORM)

PIPELINE = Pipeline(
    name="orders",
    landing=LANDING,
    conform=CONFORM,
    merges=SILVER_MERGE,
    quarantine=QUARANTINE,
    gold=OrdersGold(),
    suites=SUITES,
    description="Salesforce accounts and leads, Kafka and Snowflake orders, daily FX: "
    "customers and orders in USD.",
    streams=(ORDERS_STREAM,),
)
#: The gold tables' suites, checked on the candidates before they are committed.
GOLD_TABLES = PIPELINE.gold_tables
#: The silver tables records are merged into.
SILVER_TABLES = PIPELINE.silver
TABLES: tuple[TableSpec, ...] = PIPELINE.tables
TABLES_BY_ID: dict[TableId, TableSpec] = PIPELINE.tables_by_id
