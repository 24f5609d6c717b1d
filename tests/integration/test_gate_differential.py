"""The gate's three executors agree: on hypothesis-generated tables, the native Spark gate
and Great Expectations measure exactly what the reference (memory) executor measures —
every rule's unexpected count, so every pass/fail, and the newest values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import DataFrame, SparkSession

from adapters.gx.gate import GreatExpectationsGate
from adapters.spark.quality import SparkGate
from adapters.spark.types import spark_schema
from lakecore.quality import GateContext, QualityReport, judge, measure_rows
from lakecore.rules import (
    Freshness,
    InSet,
    NotNull,
    Pattern,
    Range,
    ReferenceExists,
    RuleSuite,
    Unique,
    VolumeChange,
)
from lakecore.schema import DATE, Column, Layer, TableId, TableSpec, decimal

pytestmark = pytest.mark.spark

TABLE = TableSpec(
    TableId(Layer.SILVER, "generated"),
    columns=(
        Column("id"),
        Column("part"),
        Column("amount", decimal(10, 2)),
        Column("status"),
        Column("day", DATE),
    ),
)
REF = TableSpec(TableId(Layer.SILVER, "ref"), columns=(Column("code"),))
SUITE = RuleSuite(
    TABLE.id,
    (
        NotNull("id"),
        NotNull("amount"),
        Range("amount", min=0),
        Range("amount", min=-5, max=5, min_inclusive=False, max_inclusive=False),
        InSet("status", ("A", "B")),
        Pattern("status", "^[A-C]$"),
        Unique(("id",)),
        Unique(("id", "part")),
        ReferenceExists("part", REF.id, "code"),
        Freshness("day", max_age_days=1),
        VolumeChange(max_drop=0.2),
    ),
)
DAY = date(2026, 11, 27)

text = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))
amounts = st.one_of(st.none(), st.decimals(min_value=-9, max_value=9, places=2, allow_nan=False))
rows = st.lists(
    st.fixed_dictionaries(
        {
            "id": text,
            "part": st.one_of(st.none(), st.sampled_from(["x", "y", "z"])),
            "amount": amounts,
            # "C\n", "C\r\n": a final $ is the end of the value on every executor
            "status": st.one_of(
                st.none(), st.sampled_from(["A", "B", "C", "D", "a", "C\n", "C\r\n"])
            ),
            "day": st.one_of(st.none(), st.dates(date(2026, 11, 20), date(2026, 11, 30))),
        }
    ),
    max_size=12,
)
refs = st.lists(st.one_of(st.none(), st.sampled_from(["x", "y"])), max_size=3)


def _frame(spark: SparkSession, spec: TableSpec, data: list[dict[str, Any]]) -> DataFrame:
    return spark.createDataFrame(
        [tuple(r.get(c) for c in spec.column_names) for r in data], spark_schema(spec)
    )


def _report(found: Any, executor: str) -> QualityReport:
    context = GateContext("r", DAY, table_version=3, previous_rows=10)
    return judge(SUITE, found, context, executor=executor, evaluated_at=datetime(2026, 11, 27))


def _verdicts(report: QualityReport) -> list[tuple[str, bool, int]]:
    return [(r.rule, r.passed, r.unexpected) for r in report.results]


@pytest.fixture(scope="module")
def gx() -> GreatExpectationsGate:
    return GreatExpectationsGate()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=rows, codes=refs)
def test_the_three_executors_measure_the_same(
    spark: SparkSession,
    gx: GreatExpectationsGate,
    data: list[dict[str, Any]],
    codes: list[str | None],
) -> None:
    ref_rows = [{"code": c} for c in codes]
    expected = measure_rows(data, SUITE, {REF.id: ref_rows})
    frame, refs_frame = _frame(spark, TABLE, data), _frame(spark, REF, ref_rows)
    native = SparkGate().measure(frame, SUITE, {REF.id: refs_frame}, 5)
    assert native.rows == expected.rows
    assert dict(native.unexpected) == dict(expected.unexpected)
    assert dict(native.newest) == dict(expected.newest)
    assert set(native.samples) == set(expected.samples)
    great = gx.measure(frame, SUITE, {REF.id: refs_frame}, 5)
    assert great.rows == expected.rows
    assert dict(great.unexpected) == dict(expected.unexpected)
    assert dict(great.newest) == dict(expected.newest)
    verdicts = _verdicts(_report(expected, "memory"))
    assert _verdicts(_report(native, "native")) == verdicts
    assert _verdicts(_report(great, "gx")) == verdicts


def test_samples_are_breaking_rows_and_only_for_failed_rules(spark: SparkSession) -> None:
    data = [
        {"id": "a", "part": "x", "amount": Decimal("1.00"), "status": "A", "day": DAY},
        {"id": "a", "part": "x", "amount": Decimal("-2.00"), "status": "D", "day": DAY},
        {"id": "b", "part": "q", "amount": Decimal("3.00"), "status": "B", "day": DAY},
    ]
    found = SparkGate().measure(
        _frame(spark, TABLE, data), SUITE, {REF.id: _frame(spark, REF, [{"code": "x"}])}, 5
    )
    assert set(found.samples) == {
        "range(0<=amount)",
        "in_set(status)",
        "pattern(status)",
        "unique(id)",
        "unique(id,part)",
        "reference(part->silver.ref.code)",
    }
    assert found.samples["range(0<=amount)"][0]["amount"] == Decimal("-2.00")
    assert found.samples["reference(part->silver.ref.code)"][0]["part"] == "q"
    assert found.samples["unique(id)"][0] == {"id": "a", "count": 2}
