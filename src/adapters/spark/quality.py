"""``SparkGate``: the native quality executor, one scan of the table for all its row rules.

One aggregation counts the rows, the breaking rows of every record rule and of every
``ReferenceExists`` rule (the referenced values are broadcast and joined in the same scan),
and the newest value of every freshness column. Each distinct ``Unique`` key set costs one
more pass. Breaking rows are fetched only for rules that found some.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from adapters.spark.engine import violation
from lakecore.quality import Measurements, freshness_columns
from lakecore.rules import ReferenceExists, RuleSuite, Unique
from lakecore.schema import TableId


class SparkGate:
    name = "native"

    def measure(
        self,
        frame: DataFrame,
        suite: RuleSuite,
        references: Mapping[TableId, DataFrame],
        sample_size: int,
    ) -> Measurements:
        scanned, broken = _with_reference_flags(frame, suite, references)
        for record_rule in suite.record_rules:
            broken[record_rule.name] = violation(record_rule, F.col(_quoted(record_rule.column)))
        newest = freshness_columns(suite)
        aggregates = [
            F.count(F.lit(1)).alias("rows"),
            *(F.count_if(test).alias(f"u{i}") for i, test in enumerate(broken.values())),
            *(F.max(_quoted(column)).alias(f"n{i}") for i, column in enumerate(newest)),
        ]
        row = scanned.agg(*aggregates).first()
        assert row is not None  # an aggregation without grouping always returns one row
        unexpected = {name: int(row[f"u{i}"]) for i, name in enumerate(broken)}
        samples = {
            name: _rows(_without_flags(scanned.where(test)), sample_size)
            for name, test in broken.items()
            if unexpected[name]
        }
        for keys in suite.key_sets:
            count, sample = _duplicates(frame, keys, sample_size)
            for rule in suite.table_rules:
                if isinstance(rule, Unique) and rule.columns == keys:
                    unexpected[rule.name] = count
                    if count:
                        samples[rule.name] = sample
        return Measurements(
            rows=int(row["rows"]),
            unexpected=unexpected,
            newest={column: row[f"n{i}"] for i, column in enumerate(newest)},
            samples=samples,
        )


_FLAG = "_lakecore_ref_"


def _without_flags(frame: DataFrame) -> DataFrame:
    return frame.drop(*(c for c in frame.columns if c.startswith(_FLAG)))


def _with_reference_flags(
    frame: DataFrame, suite: RuleSuite, references: Mapping[TableId, DataFrame]
) -> tuple[DataFrame, dict[str, Column]]:
    """The frame joined to each referenced value set (broadcast), and each rule's test."""
    tests: dict[str, Column] = {}
    for i, rule in enumerate(r for r in suite.table_rules if isinstance(r, ReferenceExists)):
        if rule.ref_table not in references:
            raise KeyError(f"{rule.name} needs {rule.ref_table}, which was not given")
        flag, value = f"{_FLAG}{i}", f"{_FLAG}{i}_value"
        known = (
            references[rule.ref_table]
            .select(F.col(_quoted(rule.ref_column)).alias(value))
            .where(F.col(value).isNotNull())
            .distinct()
            .withColumn(flag, F.lit(True))
        )
        column = F.col(_quoted(rule.column))
        frame = frame.join(F.broadcast(known), column == F.col(value), "left").drop(value)
        tests[rule.name] = column.isNotNull() & F.col(flag).isNull()
    return frame, tests


def _duplicates(
    frame: DataFrame, keys: tuple[str, ...], sample_size: int
) -> tuple[int, tuple[dict[str, Any], ...]]:
    """Rows whose key occurs more than once (rows with every key column null are ignored),
    and a few of the duplicated keys with how often each occurs."""
    present = F.lit(False)
    for key in keys:
        present = present | F.col(_quoted(key)).isNotNull()
    repeated = frame.where(present).groupBy(*(_quoted(k) for k in keys)).count().where("count > 1")
    summary = repeated.agg(F.sum("count").alias("rows")).first()
    count = int(summary["rows"] or 0) if summary is not None else 0
    return count, _rows(repeated, sample_size) if count else ()


def _rows(frame: DataFrame, limit: int) -> tuple[dict[str, Any], ...]:
    return tuple(row.asDict() for row in frame.limit(limit).collect())


def _quoted(column: str) -> str:
    return f"`{column}`"
