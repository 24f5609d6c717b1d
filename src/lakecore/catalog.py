"""Registering the lake's tables in a catalog (Glue for Athena), so a query engine finds
them where they are, with the columns their Delta log holds.

``register`` makes a catalog database match the tables found in one layer of the lake:
a table new to the catalog is created, one whose location or columns changed is updated,
one already right is left alone (registering twice changes nothing). A table the catalog
holds but the lake no longer does is reported, never dropped: whether it went on purpose is
for a person to say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from lakecore.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class CatalogColumn:
    name: str
    #: Hive DDL type, as Athena and Glue write it: ``string``, ``bigint``, ``decimal(18,2)``
    type: str


@dataclass(frozen=True, slots=True)
class CatalogTable:
    """A Delta table as a catalog records it: where its files are and its columns."""

    database: str
    name: str
    location: str
    columns: tuple[CatalogColumn, ...]
    description: str = ""


class Catalog(Protocol):
    """Databases of table definitions. ``put`` creates a table or replaces its definition."""

    def databases(self) -> set[str]: ...

    def create_database(self, name: str, description: str) -> None: ...

    def tables(self, database: str) -> dict[str, CatalogTable]: ...

    def put(self, table: CatalogTable, *, exists: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class Registration:
    """What ``register`` did to one database."""

    database: str
    created_database: bool
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    #: in the catalog, no longer in the lake: reported, left in place
    missing: tuple[str, ...] = field(default=())


def register(
    catalog: Catalog, database: str, found: Iterable[CatalogTable], description: str = ""
) -> Registration:
    """Make ``database`` hold ``found`` as they are now (see the module's docstring)."""
    tables = sorted(found, key=lambda t: t.name)
    strays = [t.name for t in tables if t.database != database]
    if strays:
        raise ConfigurationError(f"tables {strays} do not belong to database {database}")
    created_database = database not in catalog.databases()
    if created_database:
        catalog.create_database(database, description)
    registered = {} if created_database else catalog.tables(database)
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for table in tables:
        before = registered.get(table.name)
        if before == table:
            unchanged.append(table.name)
            continue
        catalog.put(table, exists=before is not None)
        (created if before is None else updated).append(table.name)
    missing = sorted(set(registered) - {t.name for t in tables})
    return Registration(
        database, created_database, tuple(created), tuple(updated), tuple(unchanged),
        tuple(missing),
    )  # fmt: skip
