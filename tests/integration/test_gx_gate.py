"""``GreatExpectationsGate`` measures what the reference executor (``measure_rows``) measures,
number for number, on small hand-built Spark tables and on hypothesis-generated ones."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from lakecore.errors import ConfigurationError, TerminalError
from lakecore.quality import Measurements, measure_rows
from lakecore.rules import (
    Freshness,
    InSet,
    NotNull,
    Pattern,
    Range,
    ReferenceExists,
    Rule,
    RuleSuite,
    Unique,
    rule_columns,
)
from lakecore.schema import Layer, TableId

pytest.importorskip("great_expectations")

from adapters.gx import GreatExpectationsGate

pytestmark = [pytest.mark.spark, pytest.mark.slow]

TABLE = TableId(Layer.SILVER, "checked")
REF = TableId(Layer.SILVER, "ref")
SAMPLES = 3
EVERYTHING = 10**6


@pytest.fixture(scope="module")
def gate() -> GreatExpectationsGate:
    return GreatExpectationsGate()  # one ephemeral GX context for the module, as in a run


def _rows(frame: DataFrame) -> list[dict[str, Any]]:
    return [row.asDict() for row in frame.collect()]


def _check(
    gate: GreatExpectationsGate,
    frame: DataFrame,
    rules: tuple[Rule, ...],
    references: dict[TableId, DataFrame] | None = None,
) -> Measurements:
    """GX's measurements equal the reference's; its samples are values of breaking rows."""
    suite = RuleSuite(TABLE, rules)
    references = references or {}
    found = gate.measure(frame, suite, references, SAMPLES)
    rows = _rows(frame)
    ref_rows = {table: _rows(ref) for table, ref in references.items()}
    expected = measure_rows(rows, suite, ref_rows, sample_size=SAMPLES)
    assert found.rows == expected.rows
    assert dict(found.unexpected) == dict(expected.unexpected)
    assert dict(found.newest) == dict(expected.newest)
    assert set(found.samples) == set(expected.samples)
    breaking = measure_rows(rows, suite, ref_rows, sample_size=EVERYTHING).samples
    for rule in rules:
        columns = rule_columns(rule)
        allowed = {tuple(row[c] for c in columns) for row in breaking.get(rule.name, ())}
        samples = found.samples.get(rule.name, ())
        assert len(samples) <= SAMPLES
        assert all(tuple(s[c] for c in columns) in allowed for s in samples), rule.name
    return found


# --- each rule, on a small table made to break it ------------------------------------------


def test_not_null_counts_only_nulls(gate: GreatExpectationsGate, spark: SparkSession) -> None:
    frame = spark.createDataFrame([("a",), (None,), ("",), (None,)], "id string")
    found = _check(gate, frame, (NotNull("id"),))
    assert found.unexpected == {"not_null(id)": 2}
    assert found.samples["not_null(id)"] == ({"id": None}, {"id": None})


@pytest.mark.parametrize(
    "rule",
    [
        Range("amount", min=0),
        Range("amount", max=Decimal("2.50")),
        Range("amount", min=Decimal("-1.00"), max=Decimal("2.50")),
        Range("amount", min=Decimal("-1.00"), max=Decimal("2.50"), min_inclusive=False),
        Range("amount", min=Decimal("-1.00"), max=Decimal("2.50"), max_inclusive=False),
        Range("amount", min=Decimal("0.1"), max=Decimal("0.1")),
    ],
    ids=lambda rule: rule.name,
)
def test_range_on_decimals_with_open_and_closed_bounds(
    gate: GreatExpectationsGate, spark: SparkSession, rule: Range
) -> None:
    amounts = ["-1.00", "-1.01", "0.00", "0.10", "2.50", "2.51", "-0.99", None]
    frame = spark.createDataFrame(
        [(None if a is None else Decimal(a),) for a in amounts], "amount decimal(12,2)"
    )
    found = _check(gate, frame, (rule,))
    assert found.unexpected[rule.name] > 0  # every case here has a row outside


def test_in_set_and_pattern_ignore_nulls(gate: GreatExpectationsGate, spark: SparkSession) -> None:
    frame = spark.createDataFrame(
        [("NEW", "USD"), ("new", "usd"), (None, None), ("PAID", "EURO"), ("GONE", "GBP")],
        "status string, ccy string",
    )
    rules: tuple[Rule, ...] = (
        InSet("status", ("NEW", "PAID")),
        Pattern("ccy", "^[A-Z]{3}$"),
        Pattern("status", "A"),  # found anywhere in the value, as re.search
    )
    found = _check(gate, frame, rules)
    assert found.unexpected == {"in_set(status)": 2, "pattern(ccy)": 2, "pattern(status)": 3}


def test_unique_on_one_column_counts_every_repeated_row_and_ignores_nulls(
    gate: GreatExpectationsGate, spark: SparkSession
) -> None:
    frame = spark.createDataFrame(
        [("a",), ("a",), ("a",), ("b",), (None,), (None,), ("c",), ("c",)], "id string"
    )
    found = _check(gate, frame, (Unique(("id",)),))
    assert found.unexpected == {"unique(id)": 5}


def test_unique_on_several_columns_is_null_safe_and_ignores_all_null_keys(
    gate: GreatExpectationsGate, spark: SparkSession
) -> None:
    frame = spark.createDataFrame(
        [
            ("a", 1, "x"),
            ("a", 1, "y"),  # a repeated key
            ("a", None, "x"),
            ("a", None, "y"),  # a repeated key with a null in it
            (None, 2, "x"),
            (None, 2, "y"),  # another
            (None, None, "x"),
            (None, None, "y"),  # every key column null: not a key at all
            ("b", None, "x"),
            (None, 3, "x"),  # partly null, once
        ],
        "id string, part int, other string",
    )
    found = _check(gate, frame, (Unique(("id", "part")),))
    assert found.unexpected == {"unique(id,part)": 6}


def test_reference_exists_is_in_set_of_the_referenced_values(
    gate: GreatExpectationsGate, spark: SparkSession
) -> None:
    frame = spark.createDataFrame([("x",), ("y",), ("q",), (None,), ("q",), ("z",)], "code string")
    ref = spark.createDataFrame([("x",), ("y",), (None,), ("y",)], "code string")
    rule = ReferenceExists("code", REF, "code")
    found = _check(gate, frame, (rule,), {REF: ref})
    assert found.unexpected == {rule.name: 3}


def test_reference_to_an_empty_table_breaks_every_non_null_value(
    gate: GreatExpectationsGate, spark: SparkSession
) -> None:
    frame = spark.createDataFrame([("x",), (None,)], "code string")
    ref = spark.createDataFrame([], "code string")
    rule = ReferenceExists("code", REF, "code")
    assert _check(gate, frame, (rule,), {REF: ref}).unexpected == {rule.name: 1}


def test_freshness_reads_back_the_newest_date_and_timestamp(
    gate: GreatExpectationsGate, spark: SparkSession
) -> None:
    frame = spark.createDataFrame(
        [
            (date(2026, 11, 25), datetime(2026, 11, 26, 23, 59, 59, 123456), None),
            (date(2026, 11, 27), datetime(2026, 11, 26, 8, 0), None),
            (None, None, None),
        ],
        "day date, event_ts timestamp, never date",
    )
    rules: tuple[Rule, ...] = (
        Freshness("day", 1),
        Freshness("event_ts", 2),
        Freshness("never", 1),
    )
    found = _check(gate, frame, rules)
    assert found.newest == {
        "day": date(2026, 11, 27),
        "event_ts": datetime(2026, 11, 26, 23, 59, 59, 123456),
        "never": None,
    }


def test_an_empty_table(gate: GreatExpectationsGate, spark: SparkSession) -> None:
    frame = spark.createDataFrame([], "id string, day date")
    found = _check(gate, frame, (NotNull("id"), Unique(("id", "day")), Freshness("day", 1)))
    assert found.rows == 0


# --- the rest: raw results, Data Docs, errors, imports ----------------------------------------


def test_validate_returns_the_raw_gx_result_in_the_format_asked(
    gate: GreatExpectationsGate, spark: SparkSession
) -> None:
    frame = spark.createDataFrame([("a",), (None,)], "id string")
    suite = RuleSuite(TABLE, (NotNull("id"),))
    summary = gate.validate(frame, suite, {}, "SUMMARY")
    boolean = gate.validate(frame, suite, {}, "BOOLEAN_ONLY")
    assert [r.success for r in summary.results] == [r.success for r in boolean.results]
    assert not summary.success
    assert any(r.result.get("unexpected_count") == 1 for r in summary.results)
    assert all(not r.result for r in boolean.results)


def test_data_docs_are_built_into_the_folder_given(spark: SparkSession, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    gate = GreatExpectationsGate(docs_dir=docs)
    frame = spark.createDataFrame(
        [("a", Decimal("1.00")), ("a", None)], "id string, amount decimal(10,2)"
    )
    suite = RuleSuite(TABLE, (NotNull("amount"), Unique(("id",)), Range("amount", min=0)))
    gate.measure(frame, suite, {}, SAMPLES)
    assert gate.last_docs_index == docs / "index.html"
    assert gate.last_docs_index.is_file()
    pages = list((docs / "validations").rglob("*.html"))
    assert len(pages) == 1
    assert "unique" in pages[0].read_text().lower()


@pytest.mark.parametrize(
    "rule",
    [Range("amount"), Unique(())],
    ids=["range without bounds", "unique without columns"],
)
def test_a_rule_gx_rejects_is_a_configuration_error(
    gate: GreatExpectationsGate, spark: SparkSession, rule: Rule
) -> None:
    frame = spark.createDataFrame([(Decimal("1.00"),)], "amount decimal(10,2)")
    with pytest.raises(ConfigurationError, match=r"GX rejects rule"):
        gate.measure(frame, RuleSuite(TABLE, (rule,)), {}, SAMPLES)


def test_a_rule_gx_cannot_evaluate_is_a_terminal_error_naming_it(
    gate: GreatExpectationsGate, spark: SparkSession
) -> None:
    """A Python named group is no Java regex: ``suite.validate`` passes it, Spark cannot."""
    frame = spark.createDataFrame([("a",)], "id string")
    rule = Pattern("id", "(?P<letter>a)")
    with pytest.raises(TerminalError, match=r"could not evaluate pattern\(id\)"):
        gate.measure(frame, RuleSuite(TABLE, (rule,)), {}, SAMPLES)


def test_a_missing_reference_table_is_a_key_error_as_in_the_reference(
    gate: GreatExpectationsGate, spark: SparkSession
) -> None:
    frame = spark.createDataFrame([("x",)], "code string")
    suite = RuleSuite(TABLE, (ReferenceExists("code", REF, "code"),))
    with pytest.raises(KeyError, match=r"silver\.ref"):
        gate.measure(frame, suite, {}, SAMPLES)


def test_importing_the_adapter_does_not_import_gx() -> None:
    code = "import sys, adapters.gx; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2] / "src")
