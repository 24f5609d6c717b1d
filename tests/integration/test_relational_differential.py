"""The Engine's relational operations on Spark equal their reference on plain rows
(``lakecore.relational``), on generated frames with nulls, duplicates and empty sides."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.sql import DataFrame, SparkSession

from adapters.memory import InMemoryEngine
from adapters.spark.engine import SparkEngine
from adapters.spark.types import spark_schema
from lakecore.errors import ConfigurationError
from lakecore.relational import Aggregate, Function, JoinKind
from lakecore.schema import LONG, STRING, TIMESTAMP, Column, Layer, TableId, TableSpec, decimal

pytestmark = pytest.mark.spark

LEFT = TableSpec(
    TableId(Layer.SILVER, "left_side"),
    (Column("k"), Column("n", LONG), Column("v", decimal(12, 3)), Column("ts", TIMESTAMP)),
)
RIGHT = TableSpec(TableId(Layer.SILVER, "right_side"), (Column("k"), Column("site", STRING)))
AGGREGATES = (
    Aggregate("rows", Function.COUNT),
    Aggregate("values", Function.COUNT, "v"),
    Aggregate("total", Function.SUM, "v"),
    Aggregate("low", Function.MIN, "v"),
    Aggregate("high", Function.MAX, "v"),
    Aggregate("first", Function.MIN, "ts"),
)

keys = st.none() | st.sampled_from(["a", "b", "c"])
lefts = st.lists(
    st.fixed_dictionaries(
        {
            "k": keys,
            "n": st.none() | st.integers(0, 2),
            "v": st.none() | st.decimals(-999, 999, places=3, allow_nan=False),
            "ts": st.none()
            | st.datetimes(datetime(2026, 1, 1), datetime(2026, 1, 3)).map(
                lambda t: t.replace(microsecond=0, fold=0)
            ),
        }
    ),
    max_size=12,
)
rights = st.lists(
    st.fixed_dictionaries({"k": keys, "site": st.none() | st.sampled_from(["x", "y"])}),
    max_size=5,
)


def _frame(spark: SparkSession, table: TableSpec, rows: list[dict[str, Any]]) -> DataFrame:
    return spark.createDataFrame([tuple(r[c] for c in table.column_names) for r in rows],
                                 spark_schema(table))  # fmt: skip


def _sorted(rows: list[dict[str, Any]]) -> list[list[tuple[str, str]]]:
    plain = [
        {k: (v.normalize() if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows
    ]
    return sorted(sorted((k, repr(v)) for k, v in r.items()) for r in plain)


@settings(max_examples=15, deadline=None)
@given(left=lefts, right=rights, by=st.sampled_from([(), ("k",), ("k", "n")]))
def test_spark_computes_what_the_reference_defines(
    spark: SparkSession, left: list[dict[str, Any]], right: list[dict[str, Any]],
    by: tuple[str, ...],
) -> None:  # fmt: skip
    memory, engine = InMemoryEngine(), SparkEngine(spark)
    left_df, right_df = _frame(spark, LEFT, left), _frame(spark, RIGHT, right)
    for aggregates in (AGGREGATES, ()):
        grouped = engine.aggregate(left_df, by, aggregates)
        assert _sorted([r.asDict() for r in grouped.collect()]) == _sorted(
            memory.aggregate(left, by, aggregates)
        )
    for how in JoinKind:
        joined = engine.join(left_df, right_df, ("k",), how).collect()
        # Without right rows the memory engine cannot know the right's columns.
        expected = memory.join(left, right, ("k",), how)
        if not right and how is JoinKind.LEFT:
            expected = [{**r, "site": None} for r in left]
        assert _sorted([r.asDict() for r in joined]) == _sorted(expected), how
    dated = engine.with_day(left_df, "day", "ts").collect()
    assert _sorted([r.asDict() for r in dated]) == _sorted(memory.with_day(left, "day", "ts"))


def test_a_join_whose_sides_share_a_column_is_a_configuration_error(spark: SparkSession) -> None:
    left = _frame(spark, LEFT, [])
    with pytest.raises(ConfigurationError, match="on both sides"):
        SparkEngine(spark).join(left, left, ("k",))
    with pytest.raises(ConfigurationError, match="on both sides"):
        InMemoryEngine().join([{"k": 1, "v": 1}], [{"k": 1, "v": 2}], ("k",))
