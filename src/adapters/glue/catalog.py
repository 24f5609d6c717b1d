"""``GlueCatalog``: tables registered as native Delta tables, which Athena reads from the
Delta log (``table_type=DELTA``), with the columns of the Delta schema for everyone who
browses the catalog."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lakecore.catalog import CatalogColumn, CatalogTable
from lakecore.errors import ConfigurationError, TransientError

_PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    },
}
_REFUSED = ("AccessDeniedException", "EntityNotFoundException", "InvalidInputException")


class GlueCatalog:
    """``client`` is a boto3 ``glue`` client. A refused call (no permission, bad input) is a
    ``ConfigurationError``; an unreachable or throttled service a ``TransientError``."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def databases(self) -> set[str]:
        pages = self._call("list databases", lambda: list(self._pages("get_databases")))
        return {d["Name"] for page in pages for d in page["DatabaseList"]}

    def create_database(self, name: str, description: str) -> None:
        self._call(
            f"create database {name}",
            lambda: self._client.create_database(
                DatabaseInput={"Name": name, "Description": description}
            ),
        )

    def tables(self, database: str) -> dict[str, CatalogTable]:
        pages = self._call(
            f"list tables of {database}",
            lambda: list(self._pages("get_tables", DatabaseName=database)),
        )
        return {
            t["Name"]: _table(database, t)
            for page in pages
            for t in page["TableList"]
            if t.get("Parameters", {}).get("table_type", "").upper() == "DELTA"
        }

    def put(self, table: CatalogTable, *, exists: bool) -> None:
        given = {"DatabaseName": table.database, "TableInput": _input(table)}
        if exists:
            self._call(f"update {table.database}.{table.name}",
                       lambda: self._client.update_table(**given))  # fmt: skip
        else:
            self._call(f"create {table.database}.{table.name}",
                       lambda: self._client.create_table(**given))  # fmt: skip

    def _pages(self, operation: str, **arguments: Any) -> Any:
        return self._client.get_paginator(operation).paginate(**arguments)

    @staticmethod
    def _call(what: str, call: Any) -> Any:
        try:
            return call()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")[:200]
            error = ConfigurationError if code in _REFUSED else TransientError
            raise error(f"Glue refused to {what}: {code} {message}".rstrip()) from None
        except BotoCoreError as exc:
            raise TransientError(f"Glue unreachable ({what}): {type(exc).__name__}") from None


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
