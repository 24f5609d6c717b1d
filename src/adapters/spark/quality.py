"""``SparkGate``: the native quality executor, one scan of the table for all its row rules.

One aggregation counts the rows, the breaking rows of every record rule and of every
``ReferenceExists`` rule (the referenced values are broadcast and joined in the same scan),
and the newest value of every freshness column. Each distinct ``Unique`` key set costs one
more pass (none when a smaller key set inside it is already unique), over a hash of the key.
Breaking rows are fetched, in one more pass, only when some rule failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from adapters.spark.engine import violation
from lakecore.quality import Measurements, freshness_columns
from lakecore.rules import ReferenceExists, RuleSuite, Unique
from lakecore.schema import TableId


class SparkGate:
    name = "native"
    concurrent = True

    def measure(
        self,
        frame: DataFrame,
        suite: RuleSuite,
        references: Mapping[TableId, DataFrame],
        sample_size: int,
        *,
        run_id: str | None = None,
    ) -> Measurements:
        scanned, broken = _with_reference_flags(frame, suite, references)
        for record_rule in suite.record_rules:
            broken[record_rule.name] = violation(record_rule, F.col(_quoted(record_rule.column)))
        newest = freshness_columns(suite)
        key_sets = suite.key_sets
        aggregates = [
            F.count(F.lit(1)).alias("rows"),
            *(F.count_if(test).alias(f"u{i}") for i, test in enumerate(broken.values())),
            *(F.max(_quoted(column)).alias(f"n{i}") for i, column in enumerate(newest)),
            *(F.count_if(~_any_present(keys)).alias(f"k{i}") for i, keys in enumerate(key_sets)),
        ]
        row = scanned.agg(*aggregates).first()
        assert row is not None  # an aggregation without grouping always returns one row
        unexpected = {name: int(row[f"u{i}"]) for i, name in enumerate(broken)}
        failed = {name: test for name, test in broken.items() if unexpected[name]}
        samples: dict[str, Sequence[dict[str, Any]]] = dict(_samples(scanned, failed, sample_size))
        keyless = {keys: int(row[f"k{i}"]) for i, keys in enumerate(key_sets)}
        duplicated: dict[tuple[str, ...], int] = {}
        for keys in sorted(key_sets, key=len):
            if _implied_unique(keys, duplicated, keyless):
                duplicated[keys] = 0
                continue
            duplicated[keys], sample = _duplicates(frame, keys, sample_size)
            for rule in suite.table_rules:
                if isinstance(rule, Unique) and rule.columns == keys and sample:
                    samples[rule.name] = sample
        for rule in suite.table_rules:
            if isinstance(rule, Unique):
                unexpected[rule.name] = duplicated[rule.columns]
        return Measurements(
            rows=int(row["rows"]),
            unexpected=unexpected,
            newest={column: row[f"n{i}"] for i, column in enumerate(newest)},
            samples=samples,
        )


def _any_present(keys: tuple[str, ...]) -> Column:
    present = F.lit(False)
    for key in keys:
        present = present | F.col(_quoted(key)).isNotNull()
    return present


def _implied_unique(
    keys: tuple[str, ...],
    duplicated: Mapping[tuple[str, ...], int],
    keyless: Mapping[tuple[str, ...], int],
) -> bool:
    """A key set holding a smaller one that has no duplicates is unique too — unless two
    rows are ignored by the smaller set (every column null) but not by this one."""
    return any(
        set(smaller) < set(keys) and count == 0 and keyless[smaller] <= 1
        for smaller, count in duplicated.items()
    )


def _samples(
    scanned: DataFrame, failed: Mapping[str, Column], sample_size: int
) -> dict[str, tuple[dict[str, Any], ...]]:
    """A few breaking rows of every failed rule, in one pass (a ``limit`` per rule would
    scan the table again for each, and read all of it for a rare failure)."""
    if not failed:
        return {}
    tags = F.filter(
        F.array(*(F.when(test, F.lit(name)) for name, test in failed.items())),
        lambda tag: tag.isNotNull(),
    )
    breaking = F.lit(False)
    for test in failed.values():
        breaking = breaking | test
    hits = _without_flags(scanned.where(breaking).select("*", F.explode(tags).alias(_RULE)))
    first = Window.partitionBy(_RULE).orderBy(F.lit(1))
    picked = hits.withColumn(_NTH, F.row_number().over(first)).where(F.col(_NTH) <= sample_size)
    found: dict[str, list[dict[str, Any]]] = {}
    for hit in picked.drop(_NTH).collect():
        row = hit.asDict()
        found.setdefault(row.pop(_RULE), []).append(row)
    return {name: tuple(rows) for name, rows in found.items()}


_RULE = "_lakecore_rule"
_NTH = "_lakecore_nth"


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
    and a few of the duplicated keys with how often each occurs.

    A first pass groups by a 64-bit hash of the key (it shuffles one long per row, not the
    key): equal keys have equal hashes, so no repeated hash means no duplicate. Only when a
    hash repeats does an exact pass group by the key itself.
    """
    present = frame.where(_any_present(keys))
    hashes = present.groupBy(F.xxhash64(*(F.col(_quoted(k)) for k in keys))).count()
    most = hashes.agg(F.max("count")).first()
    if most is None or (most[0] or 0) <= 1:
        return 0, ()
    repeated = present.groupBy(*(_quoted(k) for k in keys)).count().where("count > 1")
    summary = repeated.agg(F.sum("count").alias("rows")).first()
    count = int(summary["rows"] or 0) if summary is not None else 0
    return count, _rows(repeated, sample_size) if count else ()


def _rows(frame: DataFrame, limit: int) -> tuple[dict[str, Any], ...]:
    return tuple(row.asDict() for row in frame.limit(limit).collect())


def _quoted(column: str) -> str:
    return f"`{column}`"
