"""``GlueCatalog``: tables registered as native Delta tables, which Athena reads from the
Delta log (``table_type=DELTA``), with the columns of the Delta schema for everyone who
browses the catalog."""

from __future__ import annotations

from typing import Any

from adapters.boto import aws_errors
from lakecore.catalog import CatalogColumn, CatalogTable

_PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    },
}


class GlueCatalog:
    """``client`` is a boto3 ``glue`` client. A refused call (no permission, bad input) is a
    ``ConfigurationError``; an unreachable or throttled service a ``TransientError``
    (``adapters.boto``)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def databases(self) -> set[str]:
        with aws_errors("Glue: list databases"):
            pages = list(self._pages("get_databases"))
        return {d["Name"] for page in pages for d in page["DatabaseList"]}

    def create_database(self, name: str, description: str) -> None:
        with aws_errors(f"Glue: create database {name}"):
            self._client.create_database(DatabaseInput={"Name": name, "Description": description})

    def tables(self, database: str) -> dict[str, CatalogTable]:
        with aws_errors(f"Glue: list tables of {database}"):
            pages = list(self._pages("get_tables", DatabaseName=database))
        return {
            t["Name"]: _table(database, t)
            for page in pages
            for t in page["TableList"]
            if t.get("Parameters", {}).get("table_type", "").upper() == "DELTA"
        }

    def put(self, table: CatalogTable, *, exists: bool) -> None:
        given = {"DatabaseName": table.database, "TableInput": _input(table)}
        verb = "update" if exists else "create"
        with aws_errors(f"Glue: {verb} table {table.database}.{table.name}"):
            (self._client.update_table if exists else self._client.create_table)(**given)

    def _pages(self, operation: str, **arguments: Any) -> Any:
        return self._client.get_paginator(operation).paginate(**arguments)


def _input(table: CatalogTable) -> dict[str, Any]:
    return {
        "Name": table.name,
        "Description": table.description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"table_type": "DELTA", "EXTERNAL": "TRUE", "classification": "delta"},
        "StorageDescriptor": {
            "Columns": [{"Name": c.name, "Type": c.type} for c in table.columns],
            "Location": table.location,
            **_PARQUET,
        },
    }


def _table(database: str, held: dict[str, Any]) -> CatalogTable:
    storage = held.get("StorageDescriptor", {})
    return CatalogTable(
        database,
        held["Name"],
        storage.get("Location", ""),
        tuple(CatalogColumn(c["Name"], c["Type"]) for c in storage.get("Columns", [])),
        held.get("Description", ""),
    )
