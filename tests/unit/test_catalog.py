"""Registering tables in a catalog: create, leave alone, update, report what went away."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory.catalog import InMemoryCatalog
from lakecore.catalog import CatalogColumn, CatalogTable, register
from lakecore.errors import ConfigurationError

DB = "lakecore_silver"


def table(name: str, *columns: str, location: str | None = None) -> CatalogTable:
    return CatalogTable(
        DB,
        name,
        location or f"s3://lake/silver/{name}",
        tuple(CatalogColumn(c, "string") for c in columns or ("id",)),
    )


names = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), unique=True, max_size=6)


@given(names, names)
def test_the_catalog_ends_holding_the_lake_and_what_it_lost(
    first: list[str], then: list[str]
) -> None:
    catalog = InMemoryCatalog()
    done = register(catalog, DB, [table(n) for n in first])
    assert done.created_database
    assert done.created == tuple(sorted(first))

    again = register(catalog, DB, [table(n) for n in then])
    assert not again.created_database
    assert set(again.created) == set(then) - set(first)
    assert set(again.unchanged) == set(then) & set(first)
    assert again.updated == ()
    assert set(again.missing) == set(first) - set(then)
    # Nothing is dropped: the catalog holds everything ever registered.
    assert set(catalog.tables(DB)) == set(first) | set(then)


def test_registering_twice_writes_nothing_the_second_time() -> None:
    catalog = InMemoryCatalog()
    register(catalog, DB, [table("orders", "id", "amount"), table("fx_rates")])
    writes = catalog.puts
    done = register(catalog, DB, [table("orders", "id", "amount"), table("fx_rates")])
    assert catalog.puts == writes
    assert done.unchanged == ("fx_rates", "orders")


def test_a_new_column_or_a_moved_table_updates_its_definition() -> None:
    catalog = InMemoryCatalog()
    register(catalog, DB, [table("orders", "id"), table("fx_rates")])
    wider, moved = table("orders", "id", "sku"), table("fx_rates", location="s3://other/fx")
    done = register(catalog, DB, [wider, moved])
    assert done.updated == ("fx_rates", "orders")
    assert catalog.tables(DB) == {"orders": wider, "fx_rates": moved}


def test_a_table_of_another_database_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="do not belong to database lakecore_silver"):
        register(InMemoryCatalog(), DB, [replace(table("orders"), database="lakecore_gold")])
