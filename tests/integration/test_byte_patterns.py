"""Patterns matched on UTF-8 bytes (``jars/lakecore``'s ``BytePatterns``) give ``rlike``'s
verdict on every value: hypothesis writes patterns of the subset and values with line ends,
multi-byte characters and digits of other scripts, and Spark evaluates both side by side,
with generated code and interpreted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from adapters.spark.patterns import matches, program
from lakecore.rules import Pattern

pytestmark = pytest.mark.spark

_CHARS = ["a", "b", "Z", "0", "7", "-", "_", " ", "/"]
_ESCAPED = [r"\.", r"\-", r"\_", r"\/", r"\\", r"\d", r"\w", r"\s", r"\t", r"\n"]
_CLASSES = ["[a-c]", "[0-9A-Z]", "[._-]", r"[\d\s]", "[-a]", r"[\w.]", "[Z]"]
_COUNTS = ["", "", "", "?", "*", "+", "{2}", "{1,3}", "{0,}", "{2,}", "{0,2}"]

atoms = st.builds(
    str.__add__, st.sampled_from(_CHARS + _ESCAPED + _CLASSES), st.sampled_from(_COUNTS)
)
sequences = st.lists(atoms, max_size=4).map("".join)
groups = st.builds(
    lambda opener, choices: opener + "|".join(choices) + ")",
    st.sampled_from(["(", "(?:"]),
    st.lists(sequences, min_size=1, max_size=3),
)
#: At most two groups of up to three choices: 9 alternatives, within the compiler's 16.
patterns = st.builds(
    lambda start, parts, end: start + "".join(parts) + end,
    st.sampled_from(["", "^"]),
    st.tuples(sequences, st.one_of(st.just(""), groups), sequences, st.one_of(st.just(""), groups)),
    st.sampled_from(["", "$"]),
)
#: Characters near the patterns' and ones that differ between bytes and characters: line
#: ends Java's ``$`` knows (\r, \u0085, \u2028), a multi-byte letter, an Arabic-Indic digit.
values = st.text(
    st.sampled_from([*"abZ07-._/ \\\t\n\r", "\u0085", "\u2028", "é", "\u0663", "\U0001f600"]),
    max_size=10,
)


@pytest.fixture(params=["generated code", "interpreted"])
def session(request: pytest.FixtureRequest, spark: SparkSession) -> Iterator[SparkSession]:
    modes = {
        "generated code": {"spark.sql.codegen.wholeStage": "true", "spark.sql.codegen.factoryMode": "CODEGEN_ONLY"},
        "interpreted": {"spark.sql.codegen.wholeStage": "false", "spark.sql.codegen.factoryMode": "NO_CODEGEN"},
    }[request.param]  # fmt: skip
    before = {key: spark.conf.get(key) for key in modes}
    for key, value in modes.items():
        spark.conf.set(key, value)
    yield spark
    for key, value in before.items():
        spark.conf.set(key, value)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rules=st.lists(patterns, min_size=1, max_size=6), texts=st.lists(values, min_size=1, max_size=25))  # fmt: skip
def test_byte_patterns_agree_with_rlike(
    session: SparkSession, rules: list[str], texts: list[str]
) -> None:
    frame = session.createDataFrame([(text,) for text in [*texts, None]], "v string")
    value = F.col("v")
    tests = []
    for i, regex in enumerate(rules):
        rule = Pattern("v", regex)
        assert program(regex) is not None, regex
        on_bytes = matches(value, rule)
        assert "BytePatterns" in str(on_bytes), "lakecore's jar is on the session: bytes matched"
        tests += [on_bytes.alias(f"b{i}"), value.rlike(rule.matcher).alias(f"r{i}")]
    for row in frame.select("v", *tests).collect():
        for i, regex in enumerate(rules):
            assert row[f"b{i}"] == row[f"r{i}"], (regex, row["v"])


def test_patterns_outside_the_subset_stay_rlike(spark: SparkSession) -> None:
    frame = spark.createDataFrame([("ab",), ("a\u2028",), ("",), (None,)], "v string")
    for regex in (r"^a.$", "[^a]", r"(ab)+", r"^a+?", r"(?i)^A", "a|b", r"\bab"):
        rule = Pattern("v", regex)
        column = matches(F.col("v"), rule)
        assert program(regex) is None, regex
        assert "RLIKE" in str(column).upper(), regex
        got = [row[0] for row in frame.select(column).collect()]
        assert got == [row[0] for row in frame.select(F.col("v").rlike(rule.matcher)).collect()]
