"""A local Snowflake: fakesnow's server, with the legacy orders table lakecore backfills.

fakesnow limits to mind: ``write_pandas`` fails (rows are inserted with SQL here), and a
NULL ``TIMESTAMP_NTZ`` reads back as 1970-01-01 (the source asks for undated rows apart).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import fakesnow
import snowflake.connector

DATABASE, SCHEMA, TABLE = "LEGACY", "SALES", "LEGACY_ORDERS"
COLUMNS = (
    ("ORDER_NO", "VARCHAR"),
    ("CUST_ID", "VARCHAR"),
    ("ORDER_TS", "TIMESTAMP_NTZ"),
    ("CCY", "VARCHAR"),
    ("AMT", "NUMBER(18,2)"),
    ("ORDER_STATUS", "VARCHAR"),
    ("ITEM_CODE", "VARCHAR"),
)


@dataclass
class ServedSnowflake:
    """Connection settings of the running server, and SQL helpers to seed it."""

    connect: dict[str, Any]

    def sql(self, statement: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with snowflake.connector.connect(
            **self.connect, platform_detection_timeout_seconds=0.0
        ) as connection:
            cursor = connection.cursor()
            cursor.execute(statement, params)
            try:
                return list(cursor.fetchall())
            except snowflake.connector.errors.Error:
                return []

    def reset(self) -> None:
        self.sql(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        self.sql(f"CREATE SCHEMA IF NOT EXISTS {DATABASE}.{SCHEMA}")
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
        self.sql(f"CREATE OR REPLACE TABLE {DATABASE}.{SCHEMA}.{TABLE} ({columns})")

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        """Rows of ``COLUMNS``, in chunks of multi-row INSERTs (no ``write_pandas``)."""
        marks = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
        for start in range(0, len(rows), 1000):
            part = rows[start : start + 1000]
            flat = [value for row in part for value in row]
            self.sql(
                f"INSERT INTO {DATABASE}.{SCHEMA}.{TABLE} VALUES " + ", ".join([marks] * len(part)),
                flat,
            )

    @property
    def login(self) -> dict[str, str]:
        return {"account": self.connect["account"], "user": self.connect["user"],
                "password": self.connect["password"]}  # fmt: skip


@contextmanager
def serve() -> Iterator[ServedSnowflake]:
    with fakesnow.server() as connect:
        served = ServedSnowflake(connect)
        served.reset()
        yield served
