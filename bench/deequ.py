"""Deequ on a lakecore rule suite, for the gate benchmark only.

Deequ is what AWS Glue Data Quality is built on. PyDeequ drives its JVM library
(``com.amazon.deequ:deequ:2.0.7-spark-3.5``, which ``make bench`` copies into
``build/deequ/``, ``jars/deequ/pom.xml``); lakecore itself does not depend on either.
Each lakecore rule becomes the Deequ constraint that asks the same question, and Deequ runs
them the way it always does: its analyzers share scans, a uniqueness constraint groups by
its columns.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from lakecore.rules import Freshness, InSet, NotNull, Pattern, Range, RuleSuite, Unique

#: PyDeequ picks its Deequ build from this variable and refuses to import without it.
os.environ.setdefault("SPARK_VERSION", "3.5")
JAR = Path("build/deequ/deequ-2.0.7-spark-3.5.jar")


def jar() -> Path:
    """Deequ's jar, or a one-line error saying how to get it."""
    if not JAR.is_file():
        raise SystemExit(f"{JAR} is missing: `make bench` fetches it (jars/deequ/pom.xml)")
    return JAR.resolve()


def _all(fraction: float) -> bool:
    return fraction == 1.0


def _any(fraction: float) -> bool:
    return fraction > 0.0


def check_for(spark: SparkSession, suite: RuleSuite, as_of: date):  # type: ignore[no-untyped-def]
    """The Deequ ``Check`` asking what ``suite`` asks, one constraint per rule."""
    from pydeequ.checks import Check, CheckLevel

    check = Check(spark, CheckLevel.Error, str(suite.table))
    for rule in suite.rules:
        if isinstance(rule, NotNull):
            check = check.isComplete(rule.column)
        elif isinstance(rule, InSet):
            check = check.isContainedIn(rule.column, [str(v) for v in rule.values])
        elif isinstance(rule, Pattern):
            # Deequ counts the matches among the non-null values, as lakecore does
            check = check.hasPattern(rule.column, rule.regex, _all, name=rule.name)
        elif isinstance(rule, Range):
            bounds = []
            if rule.min is not None:
                bounds.append(f"`{rule.column}` {'>=' if rule.min_inclusive else '>'} {rule.min}")
            if rule.max is not None:
                bounds.append(f"`{rule.column}` {'<=' if rule.max_inclusive else '<'} {rule.max}")
            condition = f"`{rule.column}` IS NULL OR ({' AND '.join(bounds)})"
            check = check.satisfies(condition, rule.name, _all)
        elif isinstance(rule, Unique):
            check = check.hasUniqueness(list(rule.columns), _all)
        elif isinstance(rule, Freshness):
            # Deequ's Maximum is numeric only: "the newest value is recent enough" is "some
            # value is", which Deequ can count
            oldest = as_of - timedelta(days=rule.max_age_days)
            check = check.satisfies(f"`{rule.column}` >= '{oldest}'", rule.name, _any)
        else:
            raise SystemExit(f"no Deequ constraint for {rule.name}")
    return check


def verify(spark: SparkSession, frame: DataFrame, suite: RuleSuite, as_of: date) -> dict[str, bool]:
    """Run the suite with Deequ: each rule's name and whether its constraint held."""
    from pydeequ.verification import VerificationResult, VerificationSuite

    result = VerificationSuite(spark).onData(frame).addCheck(check_for(spark, suite, as_of)).run()
    rows = VerificationResult.checkResultsAsDataFrame(spark, result).collect()
    if len(rows) != len(suite.rules):
        raise SystemExit(f"Deequ reported {len(rows)} constraints for {len(suite.rules)} rules")
    # Deequ reports the constraints in the order they were added: one per rule
    return {
        rule.name: row["constraint_status"] == "Success"
        for rule, row in zip(suite.rules, rows, strict=True)
    }


def close(spark: SparkSession) -> None:
    """Stop the Py4J callback server PyDeequ started: its thread keeps Python from exiting."""
    spark.sparkContext._gateway.shutdown_callback_server()  # type: ignore[union-attr]
