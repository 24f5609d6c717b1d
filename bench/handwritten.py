"""The daily batch written by hand in plain PySpark: the yardstick for ``bench.daily``.

What a competent engineer would write without lakecore, doing the same work: landing files
into bronze Delta tables (skipping files already there), conform to silver with the same
parsing, rules and quarantine, MERGE on the same keys with the same winner, and rebuild
gold with USD amounts. Nothing from lakecore is imported, so lakecore's overhead shows.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import reduce
from pathlib import Path

from delta.tables import DeltaTable
from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

ISO_TS = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$"
STATUSES = ["PLACED", "PAID", "SHIPPED", "CANCELLED"]
ORDER_FIELDS = ["order_id", "customer_id", "event_ts", "currency", "amount", "status", "sku"]
ORDER_TYPES = {"event_ts": "ts", "amount": "decimal(18,2)"}

# source, bronze name, format, raw fields, {target: (raw field, upper)}, types, silver, keys, order
SOURCES = [
    ("salesforce", "salesforce_accounts", "jsonl",
     ["Id", "Name", "Industry", "BillingCountry", "CreatedDate", "SystemModstamp", "IsDeleted"]),
    ("salesforce", "salesforce_leads", "jsonl",
     ["Id", "FirstName", "LastName", "Company", "Email", "Status", "ConvertedAccountId",
      "CreatedDate", "SystemModstamp", "IsDeleted"]),
    ("kafka", "kafka_orders_events", "jsonl", ["topic", "partition", "offset", "timestamp", "key", "value"]),
    ("snowflake", "snowflake_legacy_orders", "csv",
     ["ORDER_NO", "CUST_ID", "ORDER_TS", "CCY", "AMT", "ORDER_STATUS", "ITEM_CODE"]),
    ("fx", "fx_rates", "csv", ["as_of_date", "base_ccy", "ccy", "rate_to_base"]),
]  # fmt: skip
LANDING_DIRS = {
    "salesforce_accounts": "salesforce/accounts",
    "salesforce_leads": "salesforce/leads",
    "kafka_orders_events": "kafka/orders_events",
    "snowflake_legacy_orders": "snowflake/legacy_orders",
    "fx_rates": "fx/rates",
}


def run(spark: SparkSession, landing: Path, lake: Path, proc_date: date, run_id: str) -> None:
    started = datetime.utcnow().replace(microsecond=0)
    fresh = [ingest(spark, landing, lake, s, proc_date, run_id, started) for s in SOURCES]
    bronze = {name: df for name, df in fresh if df is not None}
    rejected = []

    def this_run(name: str) -> DataFrame:
        return (
            spark.read.format("delta")
            .load(f"{lake}/bronze/{name}")
            .where((F.col("_proc_date") == F.lit(proc_date)) & (F.col("_run_id") == run_id))
        )

    if "salesforce_accounts" in bronze:
        ok, bad = conform_accounts(this_run("salesforce_accounts"), "salesforce_accounts")
        rejected.append(bad)
        merge(spark, ok, f"{lake}/silver/salesforce_accounts", ["account_id"], ["modified_at"])
    if "salesforce_leads" in bronze:
        ok, bad = conform_leads(this_run("salesforce_leads"))
        rejected.append(bad)
        merge(spark, ok, f"{lake}/silver/salesforce_leads", ["lead_id"], ["modified_at"])
    if "fx_rates" in bronze:
        ok, bad = conform_fx(this_run("fx_rates"))
        rejected.append(bad)
        merge(spark, ok, f"{lake}/silver/fx_rates", ["as_of_date", "ccy"], ["_ingested_at"])
    orders = []
    if "kafka_orders_events" in bronze:
        ok, bad = conform_kafka(this_run("kafka_orders_events"))
        orders.append(ok)
        rejected.append(bad)
    if "snowflake_legacy_orders" in bronze:
        ok, bad = conform_legacy(this_run("snowflake_legacy_orders"))
        orders.append(ok)
        rejected.append(bad)
    if orders:
        merge(spark, reduce(DataFrame.unionByName, orders), f"{lake}/silver/orders",
              ["order_id", "event_ts"], [])  # fmt: skip
    if not bronze:
        return
    quarantine = [
        r.select("*", F.lit(run_id).alias("_run_id"), F.lit(proc_date).alias("_proc_date"),
                 F.lit(started).alias("_quarantined_at"))
        for r in rejected
    ]  # fmt: skip
    reduce(DataFrame.unionByName, quarantine).write.format("delta").mode("append").partitionBy(
        "_proc_date"
    ).save(f"{lake}/silver/quarantine")
    spark.catalog.clearCache()
    gold(spark, lake, run_id, proc_date, started)


def ingest(spark: SparkSession, landing: Path, lake: Path, source: tuple[str, str, str, list[str]],
           proc_date: date, run_id: str, started: datetime) -> tuple[str, DataFrame | None]:  # fmt: skip
    name, bronze, fmt, fields = source[0], source[1], source[2], source[3]
    folder = landing / LANDING_DIRS[bronze]
    files = sorted(
        str(p.resolve())
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(("_", "."))
    )
    path = f"{lake}/bronze/{bronze}"
    if DeltaTable.isDeltaTable(spark, path):
        done = {
            r[0]
            for r in spark.read.format("delta")
            .load(path)
            .select("_source_file")
            .distinct()
            .collect()
        }
        files = [f for f in files if f not in done]
    if not files:
        return bronze, None
    schema = T.StructType([T.StructField(f, T.StringType()) for f in [*fields, "_corrupt_record"]])
    reader = spark.read.schema(schema).option("mode", "PERMISSIVE")
    if fmt == "csv":
        df = reader.option("header", "true").option("enforceSchema", "false").csv(files)
    else:
        df = reader.json(files)
    df = df.withColumns({
        # "file:/x" or "file:///x" -> "/x", as the listing above names the files
        "_source_file": F.regexp_replace(F.url_decode(F.input_file_name()), "^file:/+", "/"),
        "_source": F.lit(name), "_run_id": F.lit(run_id),
        "_ingested_at": F.lit(started), "_proc_date": F.lit(proc_date),
    })  # fmt: skip
    df.write.format("delta").mode("append").partitionBy("_proc_date").save(path)
    return bronze, df


def text(c: Column, upper: bool = False) -> Column:
    t = F.trim(c)
    return F.when(t != "", F.upper(t) if upper else t)


def ts(t: Column) -> Column:
    return (
        F.when(t.rlike(r"^\d{13}$"), F.timestamp_millis(t.cast("long")))
        .when(t.rlike(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}$"), F.to_timestamp(t, "MM/dd/yyyy HH:mm:ss"))
        .when(t.rlike(ISO_TS), t.cast("timestamp"))
    )  # fmt: skip


def boolean(t: Column) -> Column:
    return F.when(t.rlike(r"^(?i:true|false)$"), F.lower(t) == "true")


def number(t: Column, type_: str) -> Column:
    return F.when(t.rlike(r"^[+-]?\d+(\.\d+)?$"), t.cast(type_))


def split(df: DataFrame, raw: dict[str, Column], typed: dict[str, Column], rules: dict[str, Column], target: str,
          source: str, malformed: Column) -> tuple[DataFrame, DataFrame]:  # fmt: skip
    """Typed rows without a reason go to silver; the others to quarantine, with every reason."""
    checks = [
        F.when(raw[c].isNotNull() & typed[c].isNull(), F.lit(f"unparseable:{c}")) for c in typed
    ]
    checks += [F.when(bad, F.lit(f"broken:{name}")) for name, bad in rules.items()]
    reasons = F.when(malformed, F.array(F.lit("malformed_record"))).otherwise(
        F.filter(F.array(*checks), lambda x: x.isNotNull())
    )
    record = F.to_json(
        F.struct(*[c for c in df.columns if not c.startswith("_")], "_corrupt_record")
    )
    tagged = df.select(
        *[v.alias(k) for k, v in typed.items()], "_source_file", "_run_id", "_ingested_at",
        F.when(F.size(reasons) > 0, record).alias("_record"), reasons.alias("_reasons"),
    ).persist(StorageLevel.MEMORY_AND_DISK)  # fmt: skip
    ok = tagged.where(F.size("_reasons") == 0).drop("_record", "_reasons")
    bad = tagged.where(F.size("_reasons") > 0).select(
        F.lit(f"silver.{target}").alias("table"), F.lit(f"bronze.{source}").alias("source_table"),
        F.concat_ws("; ", "_reasons").alias("reason"), F.col("_record").alias("record"),
        "_source_file",
    )  # fmt: skip
    return ok, bad


def conform_accounts(df: DataFrame, source: str) -> tuple[DataFrame, DataFrame]:
    raw = {"account_id": text(df.Id), "name": text(df.Name), "industry": text(df.Industry),
           "billing_country": text(df.BillingCountry, True), "created_at": text(df.CreatedDate),
           "modified_at": text(df.SystemModstamp), "is_deleted": text(df.IsDeleted)}  # fmt: skip
    typed = {**raw, "created_at": ts(raw["created_at"]), "modified_at": ts(raw["modified_at"]),
             "is_deleted": boolean(raw["is_deleted"])}  # fmt: skip
    rules = {"not_null(account_id)": typed["account_id"].isNull(),
             "not_null(modified_at)": typed["modified_at"].isNull()}  # fmt: skip
    return split(
        df, raw, typed, rules, "salesforce_accounts", source, df._corrupt_record.isNotNull()
    )


def conform_leads(df: DataFrame) -> tuple[DataFrame, DataFrame]:
    names = {"lead_id": "Id", "first_name": "FirstName", "last_name": "LastName",
             "company": "Company", "email": "Email", "status": "Status",
             "converted_account_id": "ConvertedAccountId", "created_at": "CreatedDate",
             "modified_at": "SystemModstamp", "is_deleted": "IsDeleted"}  # fmt: skip
    raw = {k: text(df[v]) for k, v in names.items()}
    typed = {**raw, "created_at": ts(raw["created_at"]), "modified_at": ts(raw["modified_at"]),
             "is_deleted": boolean(raw["is_deleted"])}  # fmt: skip
    rules = {"not_null(lead_id)": typed["lead_id"].isNull(),
             "not_null(modified_at)": typed["modified_at"].isNull()}  # fmt: skip
    return split(df, raw, typed, rules, "salesforce_leads", "salesforce_leads",
                 df._corrupt_record.isNotNull())  # fmt: skip


def conform_fx(df: DataFrame) -> tuple[DataFrame, DataFrame]:
    raw = {"as_of_date": text(df.as_of_date), "base_ccy": text(df.base_ccy, True),
           "ccy": text(df.ccy, True), "rate_to_base": text(df.rate_to_base)}  # fmt: skip
    typed = {**raw, "as_of_date": F.when(raw["as_of_date"].rlike(r"^\d{4}-\d{2}-\d{2}$"),
                                         raw["as_of_date"].cast("date")),
             "rate_to_base": number(raw["rate_to_base"], "decimal(20,10)")}  # fmt: skip
    ccy, rate = typed["ccy"], typed["rate_to_base"]
    rules = {"a": typed["as_of_date"].isNull(), "b": ccy.isNull(),
             "c": ccy.isNotNull() & ~ccy.rlike("^[A-Z]{3}$"),
             "d": typed["base_ccy"].isNotNull() & (typed["base_ccy"] != "USD"),
             "e": rate.isNull(), "f": rate.isNotNull() & (rate <= 0)}  # fmt: skip
    return split(df, raw, typed, rules, "fx_rates", "fx_rates", df._corrupt_record.isNotNull())


def order_rules(t: dict[str, Column]) -> dict[str, Column]:
    return {"a": t["order_id"].isNull(), "b": t["event_ts"].isNull(),
            "c": t["customer_id"].isNull(), "d": t["currency"].isNull(),
            "e": t["currency"].isNotNull() & ~t["currency"].rlike("^[A-Z]{3}$"),
            "f": t["amount"].isNull(), "g": t["amount"].isNotNull() & (t["amount"] < 0),
            "h": t["status"].isNotNull() & ~t["status"].isin(STATUSES)}  # fmt: skip


def conform_orders(df: DataFrame, raw: dict[str, Column], source: str, bronze: str,
                   malformed: Column) -> tuple[DataFrame, DataFrame]:  # fmt: skip
    typed = {
        **raw,
        "event_ts": ts(raw["event_ts"]),
        "amount": number(raw["amount"], "decimal(18,2)"),
    }
    ok, bad = split(df, raw, typed, order_rules(typed), "orders", bronze, malformed)
    return ok.withColumn("source", F.lit(source)), bad


def conform_kafka(df: DataFrame) -> tuple[DataFrame, DataFrame]:
    schema = T.StructType(
        [T.StructField(f, T.StringType()) for f in [*ORDER_FIELDS, "_corrupt_record"]]
    )
    df = df.withColumn(
        "_value", F.from_json(df.value, schema, {"columnNameOfCorruptRecord": "_corrupt_record"})
    )
    value = df._value
    malformed = df._corrupt_record.isNotNull() | value.isNull() | value._corrupt_record.isNotNull()
    upper = {"currency", "status"}
    raw = {f: text(value[f], f in upper) for f in ORDER_FIELDS}
    return conform_orders(df, raw, "kafka", "kafka_orders_events", malformed)


def conform_legacy(df: DataFrame) -> tuple[DataFrame, DataFrame]:
    names = dict(
        zip(
            ORDER_FIELDS,
            ["ORDER_NO", "CUST_ID", "ORDER_TS", "CCY", "AMT", "ORDER_STATUS", "ITEM_CODE"],
            strict=True,
        )
    )
    raw = {k: text(df[v], k in {"currency", "status"}) for k, v in names.items()}
    return conform_orders(
        df, raw, "snowflake", "snowflake_legacy_orders", df._corrupt_record.isNotNull()
    )


def merge(
    spark: SparkSession, batch: DataFrame, path: str, keys: list[str], order: list[str]
) -> None:
    """Latest row per key in the batch, then MERGE: update when newer, insert when new."""
    rest = sorted(
        c for c in batch.columns if c not in keys and c not in order and not c.startswith("_")
    )
    version = [*order, *rest]
    newest = Window.partitionBy(*keys).orderBy(*[F.col(c).desc_nulls_last() for c in version])
    batch = batch.withColumn("_n", F.row_number().over(newest)).where("_n = 1").drop("_n")
    if not DeltaTable.isDeltaTable(spark, path):
        batch.write.format("delta").save(path)
        return
    newer = " OR ".join(  # lexicographic s.version > t.version
        "(" + " AND ".join([f"s.{p} <=> t.{p}" for p in version[:i]] + [f"s.{c} > t.{c}"]) + ")"
        for i, c in enumerate(version)
    )
    on = " AND ".join(f"s.{k} <=> t.{k}" for k in keys)
    (DeltaTable.forPath(spark, path).alias("t").merge(batch.alias("s"), on)
     .whenMatchedUpdateAll(condition=newer).whenNotMatchedInsertAll().execute())  # fmt: skip


def gold(spark: SparkSession, lake: Path, run_id: str, proc_date: date, started: datetime) -> None:
    def silver(name: str) -> DataFrame:
        return spark.read.format("delta").load(f"{lake}/silver/{name}")

    accounts = silver("salesforce_accounts").where(~F.col("is_deleted").eqNullSafe(True))
    accounts.select(
        F.col("account_id").alias("customer_id"), "name", "industry",
        F.col("billing_country").alias("country"), "created_at",
        F.col("modified_at").alias("updated_at"),
    ).write.format("delta").mode("overwrite").save(f"{lake}/gold/dim_customers")  # fmt: skip
    fx = silver("fx_rates").select("as_of_date", "ccy", F.col("rate_to_base").alias("rate_to_usd"))
    fx.write.format("delta").mode("overwrite").save(f"{lake}/gold/dim_fx")

    orders = silver("orders")
    rest = ["amount", "currency", "customer_id", "sku", "source", "status"]
    latest = Window.partitionBy("order_id").orderBy(
        *[F.col(c).desc_nulls_last() for c in ["event_ts", *rest]]
    )
    first = Window.partitionBy("order_id")
    orders = (
        orders.withColumn("placed_at", F.min("event_ts").over(first))
        .withColumn("_n", F.row_number().over(latest)).where("_n = 1").drop("_n")
        .withColumn("order_date", F.to_date("placed_at"))
    )  # fmt: skip
    rates = spark.read.format("delta").load(f"{lake}/gold/dim_fx")
    joined = orders.join(
        F.broadcast(rates.withColumnRenamed("ccy", "currency").withColumnRenamed("as_of_date", "order_date")),
        ["order_date", "currency"], "left",
    )  # fmt: skip
    rate = F.when(F.col("currency") == "USD", F.lit(1)).otherwise(F.col("rate_to_usd"))
    joined = joined.withColumn(
        "amount_usd", F.round(F.col("amount") / rate, 2).cast("decimal(18,2)")
    ).persist(StorageLevel.MEMORY_AND_DISK)
    joined.where(F.col("amount_usd").isNotNull()).select(
        "order_id", "customer_id", "order_date", "currency",
        F.col("amount").alias("amount_native"), "amount_usd", "status",
    ).write.format("delta").mode("overwrite").save(f"{lake}/gold/fact_orders")  # fmt: skip
    missing = joined.where(F.col("amount_usd").isNull()).select(
        F.lit("gold.fact_orders").alias("table"), F.lit(None).cast("string").alias("source_table"),
        F.lit("missing_fx_rate").alias("reason"),
        F.to_json(F.struct(*orders.columns)).alias("record"),
        F.lit(None).cast("string").alias("_source_file"), F.lit(run_id).alias("_run_id"),
        F.lit(proc_date).alias("_proc_date"), F.lit(started).alias("_quarantined_at"),
    ).dropDuplicates(["table", "reason", "record"])  # fmt: skip
    (DeltaTable.forPath(spark, f"{lake}/silver/quarantine").alias("t")
     .merge(missing.alias("s"), "s.table <=> t.table AND s.reason <=> t.reason AND s.record <=> t.record")
     .whenNotMatchedInsertAll().execute())  # fmt: skip
    joined.unpersist()
