"""Input never becomes SQL. Table and column names are validated identifiers; the only SQL
text lakecore writes (Delta's merge conditions) quotes every name; dates and versions are
typed before anything reaches Spark, and values travel as literals (``F.lit``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.delta.store import match_condition, newer_condition, slice_sql, sql_string
from adapters.spark.types import quote
from entrypoints import cli, daily
from lakecore.errors import ConfigurationError
from lakecore.merge import MergeSpec
from lakecore.ports import Slice
from lakecore.schema import Column, Layer, TableId, TableSpec
from pipelines import orders as lh

QUOTED = re.compile(r"`(?:[^`]|``)*`")
INJECTED_DATE = "2024-01-01' OR '1'='1"


@pytest.mark.parametrize(
    "text",
    ["silver.x; DROP TABLE y", "silver.x`", "silver.x' OR '1'='1", "silver.x -- comment",
     "silver.x/*", "silver.orders\n", "silver.orders\nDROP TABLE y", "silver.Orders"],
)  # fmt: skip
def test_a_hostile_table_name_is_refused(text: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid table"):
        TableId.parse(text)


@pytest.mark.parametrize(
    "name", ["a`b", "`a`", "a b", "a;b", "a.b", "a--", "a'", "a\n", "a)", "1a", "", "ä"]
)
def test_a_hostile_column_name_is_refused(name: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid column name"):
        Column(name)


def test_keys_and_layout_must_be_declared_columns() -> None:
    with pytest.raises(ConfigurationError, match="unknown columns"):
        TableSpec(TableId(Layer.SILVER, "t"), (Column("id"),), keys=("id` OR 1=1 --",))


def test_quote_doubles_backticks() -> None:
    assert quote("order_id") == "`order_id`"
    assert quote("a`b") == "`a``b`"
    assert quote("`; DROP TABLE y; --") == "```; DROP TABLE y; --`"


def _skeleton_of_match(keys: int) -> str:
    return " AND ".join(["t.ID <=> s.ID"] * keys)


def _skeleton_of_newer(columns: int) -> str:
    return f"struct({', '.join(['s.ID'] * columns)}) > struct({', '.join(['t.ID'] * columns)})"


def test_the_lakehouse_merges_quote_every_name() -> None:
    orders = lh.SILVER_MERGE[lh.ORDERS.id]
    assert match_condition(orders) == (
        "t.`order_id` <=> s.`order_id` AND t.`event_ts` <=> s.`event_ts`"
    )
    for spec in lh.SILVER_MERGE.values():
        assert QUOTED.sub("ID", match_condition(spec)) == _skeleton_of_match(len(spec.keys))
        if spec.version:
            assert QUOTED.sub("ID", newer_condition(spec)) == _skeleton_of_newer(len(spec.version))


def _unquote(identifier: str) -> str:
    return identifier[1:-1].replace("``", "`")


names = st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=4)


@given(keys=names, order_by=names)
def test_no_name_can_leave_its_quotes(keys: list[str], order_by: list[str]) -> None:
    spec = MergeSpec(keys=tuple(keys), order_by=tuple(order_by))
    on, newer = match_condition(spec), newer_condition(spec)
    # Take every quoted identifier out: only lakecore's own SQL is left ...
    assert QUOTED.sub("ID", on) == _skeleton_of_match(len(keys))
    assert QUOTED.sub("ID", newer) == _skeleton_of_newer(len(order_by))
    # ... and each identifier reads back as exactly the name it was made from.
    assert [_unquote(q) for q in QUOTED.findall(on)] == [k for key in keys for k in (key, key)]
    assert [_unquote(q) for q in QUOTED.findall(newer)] == [*order_by, *order_by]


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "daily", "--landing", "landing", "--date", INJECTED_DATE],
        ["generate", "--out", "landing", "--date", INJECTED_DATE],
        ["demo", "--date", INJECTED_DATE],
        ["show", "gold.fact_orders", "--version", "1; DROP TABLE gold.fact_orders"],
        ["show", "gold.fact_orders", "--version", "1 OR 1=1"],
    ],
)
def test_dates_and_versions_are_parsed_before_anything_runs(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    assert f"error: argument {argv[-2]}: " in capsys.readouterr().err


def test_the_emr_job_parses_its_date_too(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        daily.main(["--landing", "landing", "--date", INJECTED_DATE])
    assert exited.value.code == 2
    assert "invalid fromisoformat value" in capsys.readouterr().err


def test_show_refuses_a_hostile_table_before_starting_anything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKECORE_JARS_DIR", str(tmp_path))  # no jars: Spark could not start
    assert cli.main(["show", "gold.fact_orders; DROP TABLE gold.dim_fx"]) == 2
    assert "invalid table name" in capsys.readouterr().err


def test_a_quarantine_slice_quotes_names_and_escapes_values() -> None:
    # "table" is a reserved word: unquoted, this predicate would not even parse.
    where = Slice(within=(("table", ("silver.orders", "x') OR ('1'='1")),), after=(("_batch", 3),))
    assert slice_sql(where) == (
        "`table` IN ('silver.orders', 'x\\') OR (\\'1\\'=\\'1') AND `_batch` > 3"
    )
    assert sql_string("a\\'b") == "'a\\\\\\'b'"
