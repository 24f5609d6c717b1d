"""``InMemoryCatalog``: the Catalog port as dictionaries, for tests and local runs."""

from __future__ import annotations

from dataclasses import replace

from lakecore.catalog import CatalogTable
from lakecore.errors import ConfigurationError


class InMemoryCatalog:
    def __init__(self) -> None:
        self._databases: dict[str, dict[str, CatalogTable]] = {}
        self.puts = 0  # how many definitions were written: registering twice adds none

    def databases(self) -> set[str]:
        return set(self._databases)

    def create_database(self, name: str, description: str) -> None:
        self._databases.setdefault(name, {})

    def tables(self, database: str) -> dict[str, CatalogTable]:
        return dict(self._databases[database])

    def put(self, table: CatalogTable, *, exists: bool) -> None:
        held = self._databases.get(table.database)
        if held is None:
            raise ConfigurationError(f"catalog database {table.database} does not exist")
        if exists != (table.name in held):
            raise ConfigurationError(f"{table.database}.{table.name}: exists={exists} is wrong")
        held[table.name] = replace(table)
        self.puts += 1
