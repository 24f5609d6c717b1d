"""``lakecore register`` against Glue on moto's server: the lake's Delta tables become
native Delta tables Athena reads, and registering follows the lake without dropping."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from adapters.delta.catalog import lake_tables
from adapters.delta.store import DeltaTableStore
from adapters.glue.catalog import GlueCatalog
from lakecore.catalog import Registration, register
from lakecore.schema import LONG, Column, Layer, TableId, TableSpec
from tests.fakes.aws import LocalAws
from tests.integration.runs import cli_env, in_process

pytestmark = pytest.mark.spark

ORDERS = TableSpec(
    TableId(Layer.SILVER, "orders"),
    (Column("order_id"), Column("amount", LONG)),
    keys=("order_id",),
)
FX = TableSpec(TableId(Layer.SILVER, "fx_rates"), (Column("ccy"),), keys=("ccy",))


def glue_table(aws: LocalAws, database: str, name: str) -> Any:
    return aws.client("glue").get_table(DatabaseName=database, Name=name)["Table"]


def versions(aws: LocalAws, database: str, name: str) -> int:
    """How many definitions Glue has kept of the table: one per create or update."""
    held = aws.client("glue").get_table_versions(DatabaseName=database, TableName=name)
    return len(held["TableVersions"])


def test_tables_are_registered_as_delta_and_follow_the_lake(
    spark: SparkSession, aws: LocalAws, tmp_path: Path
) -> None:
    store = DeltaTableStore(spark, str(tmp_path / "lake"))
    store.append(ORDERS, spark.createDataFrame([("o1", 5)], ["order_id", "amount"]))
    store.append(FX, spark.createDataFrame([("EUR",)], ["ccy"]))
    catalog = GlueCatalog(aws.client("glue"))

    def registered() -> Registration:
        found = lake_tables(spark, str(tmp_path / "lake"), Layer.SILVER, "lake_silver")
        return register(catalog, "lake_silver", found)

    (tmp_path / "lake" / "silver" / "cut_off" / "_delta_log").mkdir(parents=True)  # no commit
    first = registered()
    assert first.created_database
    assert first.created == ("fx_rates", "orders")
    held = glue_table(aws, "lake_silver", "orders")
    assert held["Parameters"]["table_type"] == "DELTA"
    assert held["StorageDescriptor"]["Location"] == store.location(ORDERS.id)
    assert [(c["Name"], c["Type"]) for c in held["StorageDescriptor"]["Columns"]] == [
        ("order_id", "string"),
        ("amount", "bigint"),
    ]

    again = registered()
    assert again.unchanged == ("fx_rates", "orders")
    assert not again.updated
    assert versions(aws, "lake_silver", "orders") == 1  # not rewritten

    # A new column in the lake reaches Glue; a table gone from the lake stays, reported.
    wider = spark.createDataFrame([("o2", 7, "SKU-1")], ["order_id", "amount", "sku"])
    wider.write.format("delta").mode("append").option("mergeSchema", "true").save(
        store.location(ORDERS.id)
    )
    shutil.rmtree(tmp_path / "lake" / "silver" / "fx_rates")
    third = registered()
    assert third.updated == ("orders",)
    assert third.missing == ("fx_rates",)
    columns = glue_table(aws, "lake_silver", "orders")["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == ["order_id", "amount", "sku"]
    assert versions(aws, "lake_silver", "orders") == 2
    assert glue_table(aws, "lake_silver", "fx_rates")["Name"] == "fx_rates"


def test_the_command_registers_silver_and_gold_in_the_configured_databases(
    spark: SparkSession, aws: LocalAws, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    DeltaTableStore(spark, str(lake)).append(
        ORDERS, spark.createDataFrame([("o1", 5)], ["order_id", "amount"])
    )
    env = cli_env(lake, **aws.environ(), LAKECORE_AWS_GLUE_DATABASES='["cli_silver","cli_gold"]')
    done = in_process(spark, ["register", "--db", "silver", "--db", "gold"], env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "cli_silver (created):\n  created    orders" in done.stdout
    assert "cli_gold (created):\n  no tables in the lake for this layer" in done.stdout
    assert glue_table(aws, "cli_silver", "orders")["Parameters"]["table_type"] == "DELTA"
