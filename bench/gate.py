"""Benchmark: the quality gate's executors on one large orders table, side by side.

30 rules on a synthetic ``silver.orders``-shaped Delta table (10M rows by default): the
native single-pass gate, Great Expectations (SUMMARY and BOOLEAN_ONLY result formats), and
one Spark scan per rule, beside two floors: ``count()`` and a bare scan of the columns the
rules read. Spark jobs per evaluation are counted with the status tracker. The result
replaces the ``gate`` section of ``docs/BENCHMARKS.md``. Run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from adapters.memory.quality import InMemoryReportStore
from adapters.spark.engine import violation
from adapters.spark.quality import SparkGate
from adapters.spark.types import spark_schema
from bench import deequ
from bench.report import host_speed, host_yardstick, replace_section
from bench.session import bench_session
from lakecore.gate import Gate, check
from lakecore.ports import RunContext
from lakecore.quality import GateContext, QualityReport, judge
from lakecore.rules import (
    Freshness,
    InSet,
    NotNull,
    Pattern,
    Range,
    RuleSuite,
    Severity,
    Unique,
    rule_columns,
)
from pipelines import orders as lh

DAY = date(2026, 11, 27)
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "SEK")
W = Severity.WARNING
SOURCE_FILES = tuple(f"kafka/orders_events/orders-{i:04d}.jsonl" for i in range(40))
#: 30 rules: 27 row-level rules in one scan, 2 key sets, 1 freshness metric.
SUITE = RuleSuite(
    lh.ORDERS.id,
    (
        *(NotNull(c) for c in ("order_id", "customer_id", "event_ts", "currency", "amount")),
        *(NotNull(c) for c in ("status", "sku", "source", "_source_file", "_run_id")),
        NotNull("_ingested_at", severity=W),
        Range("amount", min=0),
        Range("amount", max=100_000, severity=W),
        Range("amount", min=0, max=50_000, min_inclusive=False, severity=W),
        InSet("status", lh.ORDER_STATUSES),
        InSet("source", ("kafka", "snowflake")),
        InSet("currency", CURRENCIES, severity=W),
        Pattern("currency", lh.CURRENCY_CODE),
        Pattern("order_id", r"^ORD-\d+$"),
        Pattern("customer_id", r"^001[0-9A-Za-z]+$", severity=W),
        Pattern("sku", r"^SKU-\d{5}$", severity=W),
        Pattern("_source_file", r"\.(jsonl|csv)$", severity=W),
        Pattern("_run_id", r"^\d{8}-", severity=W),
        Pattern("status", r"^[A-Z]+$", severity=W),
        Pattern("source", r"^[a-z]+$", severity=W),
        InSet("_run_id", ("20261127-bench",), severity=W),
        InSet("_source_file", SOURCE_FILES, severity=W),
        Unique(("order_id", "event_ts")),
        Unique(("order_id", "event_ts", "source"), severity=W),
        Freshness("event_ts", max_age_days=2),
    ),
)


#: Parts of the native gate, to see where its time goes.
ROW_RULES = RuleSuite(SUITE.table, tuple(r for r in SUITE.rules if not isinstance(r, Unique)))
NO_PATTERNS = RuleSuite(
    SUITE.table, tuple(r for r in ROW_RULES.rules if not isinstance(r, Pattern))
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.gate", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of the fast executors")
    parser.add_argument("--workdir", type=Path, default=Path("build/bench-gate"))
    parser.add_argument("--report", type=Path, default=Path("docs/BENCHMARKS.md"))
    parser.add_argument("--no-gx", dest="gx", action="store_false", help="skip the GX runs")
    parser.add_argument(
        "--no-deequ", dest="deequ", action="store_false", help="skip the Deequ runs"
    )
    args = parser.parse_args(argv)
    assert len(SUITE.rules) == 30
    SUITE.validate(lh.ORDERS)

    session = bench_session(
        "bench-gate",
        {
            "spark.driver.memory": os.environ.get("BENCH_DRIVER_MEMORY", "8g"),
            # count() must scan: no answer from the Delta log's statistics
            "spark.databricks.delta.optimizeMetadataQuery.enabled": "false",
            **({"spark.jars": str(deequ.jar())} if args.deequ else {}),
        },
    )
    spark = next(session)
    try:
        table = orders_table(spark, args.workdir, args.rows)
        frame = spark.read.format("delta").load(str(table))
        runs: dict[str, Callable[[], object]] = {
            "count() (floor)": frame.count,
            "scan of the rule columns (floor)": lambda: column_scan(frame),
            "native gate": lambda: native(frame),
            "native gate on a silver candidate (merge key known unique)": lambda: candidate(frame),
            "native, row rules only (the one scan)": lambda: native(frame, ROW_RULES),
            "native, row rules without the patterns": lambda: native(frame, NO_PATTERNS),
            RLIKE: lambda: rlike_scan(frame),
            "one scan per rule": lambda: per_rule(frame),
        }
        if args.gx:
            from adapters.gx.gate import GreatExpectationsGate

            gx = GreatExpectationsGate()
            runs["GX, SUMMARY"] = lambda: gx.validate(frame, SUITE, {}, "SUMMARY")
            runs["GX, BOOLEAN_ONLY"] = lambda: gx.validate(frame, SUITE, {}, "BOOLEAN_ONLY")
        if args.deequ:
            verdicts = {result.rule: result.passed for result in native(frame).results}
            runs["Deequ"] = lambda: deequ_verdicts(spark, frame, verdicts)
        frame.count(), native(frame)  # warm the JVM before anything is timed
        before = host_yardstick()
        results = measure(spark, runs, args.repeats)
        host = (before, host_yardstick())

    finally:
        if args.deequ:
            deequ.close(spark)
        next(session, None)
    replace_section(args.report, "gate", render(args, results, host))
    print(f"wrote {args.report}")
    return 0


def orders_table(spark: SparkSession, workdir: Path, rows: int) -> Path:
    """A ``silver.orders``-shaped Delta table with ``rows`` rows (written once, reused)."""
    path = (workdir / f"orders-v2-{rows}").resolve()  # v2: no rule fails
    if (path / "_delta_log").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    n = F.col("id")
    start = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
    bad = F.lit(False)  # clean: samples are fetched only for failed rules, none here
    frame = spark.range(rows).select(
        F.concat(F.lit("ORD-"), n.cast("string")).alias("order_id"),
        F.concat(F.lit("001C"), (n % 50_000).cast("string")).alias("customer_id"),
        F.timestamp_seconds(F.lit(start) + (n % 600_000)).alias("event_ts"),
        F.element_at(F.array(*map(F.lit, CURRENCIES)), (n % 8 + 1).cast("int")).alias("currency"),
        F.when(bad, F.lit(-1))
        .otherwise((n % 99_991 + 1) / 100)
        .cast("decimal(18,2)")
        .alias("amount"),
        F.when(bad, F.lit("LOST"))
        .otherwise(F.element_at(F.array(*map(F.lit, lh.ORDER_STATUSES)), (n % 4 + 1).cast("int")))
        .alias("status"),
        F.format_string("SKU-%05d", n % 100_000).alias("sku"),
        F.when(n % 5 == 0, "snowflake").otherwise("kafka").alias("source"),
        F.format_string("kafka/orders_events/orders-%04d.jsonl", n % 40).alias("_source_file"),
        F.lit("20261127-bench").alias("_run_id"),
        F.lit(datetime(2026, 11, 27, 6)).alias("_ingested_at"),
    )
    spark.createDataFrame([], spark_schema(lh.ORDERS)).write.format("delta").save(str(path))
    frame.write.format("delta").mode("append").save(str(path))
    return path


def column_scan(frame: DataFrame) -> object:
    columns = sorted({column for rule in SUITE.rules for column in rule_columns(rule)})
    return frame.agg(*(F.count(c) for c in columns)).collect()


def native(frame: DataFrame, suite: RuleSuite = SUITE) -> QualityReport:
    found = SparkGate().measure(frame, suite, {}, 5)
    return judge(
        suite, found, GateContext("bench", DAY), executor="native", evaluated_at=datetime.now(UTC)
    )


def candidate(frame: DataFrame) -> object:
    """The gate as the daily run calls it on a silver candidate, de-duplicated on its merge
    key (``lakecore.gate.check`` with ``unique``): the key-set pass is not needed."""
    report = check(
        lh.ORDERS,
        frame,
        gate=Gate(SparkGate(), InMemoryReportStore(), {SUITE.table: SUITE}),
        run=RunContext("bench", DAY, datetime.now(UTC).replace(tzinfo=None)),
        unique=(lh.ORDERS.keys,),
        progress=lambda step, **facts: None,
    )
    if not report.passed:
        raise SystemExit(f"the native gate failed the clean table: {report.failures}")
    return report


def deequ_verdicts(spark: SparkSession, frame: DataFrame, expected: dict[str, bool]) -> object:
    """Deequ on the same rules; it must reach the native gate's verdict on every rule."""
    held = deequ.verify(spark, frame, SUITE, DAY)
    if held != expected:
        differ = sorted(name for name in held if held[name] != expected.get(name))
        raise SystemExit(f"Deequ and the native gate disagree on {differ}")
    return held


RLIKE = "the row rules' scan with the patterns as `rlike` (before byte matching)"


def rlike_scan(frame: DataFrame) -> object:
    """The row rules' one scan as it was before ``adapters.spark.patterns``: every pattern
    through Spark's ``rlike`` (Java regex on a decoded string)."""
    tests = [
        F.col(rule.column).isNotNull() & ~F.col(rule.column).rlike(rule.matcher)
        if isinstance(rule, Pattern)
        else violation(rule, F.col(rule.column))
        for rule in SUITE.record_rules
    ]
    return frame.agg(*(F.count_if(test) for test in tests)).collect()


def per_rule(frame: DataFrame) -> object:
    """What a gate without a plan does: one Spark job per rule."""
    counts: list[object] = []
    for rule in SUITE.record_rules:
        counts.append(frame.where(violation(rule, F.col(rule.column))).count())
    for table_rule in SUITE.table_rules:
        keys = table_rule.columns if isinstance(table_rule, Unique) else ()
        counts.append(frame.groupBy(*keys).count().where("count > 1").count())
    counts.append(frame.agg(F.max("event_ts")).collect())
    return counts


def measure(
    spark: SparkSession, runs: dict[str, Callable[[], object]], repeats: int
) -> dict[str, tuple[list[float], int]]:
    """Seconds and Spark jobs of each evaluation, in ``runs``' order. The fast ones take
    turns, one run of each per round, so a change of the shared host's speed during the
    benchmark falls on all of them alike (run one after another, a variant's three runs had
    a slower or faster host to themselves); GX and Deequ run once, after them."""
    slow = [name for name in runs if name.startswith(("GX", "Deequ"))]
    fast = [name for name in runs if name not in slow]
    times: dict[str, list[float]] = {name: [] for name in runs}
    jobs: dict[str, int] = {}
    for names in [*([fast] * repeats), slow]:
        for name in names:
            seconds, jobs[name] = _timed(spark, name, runs[name])
            times[name].append(seconds)
            print(f"{name:<34} {seconds:8.1f} s  {jobs[name]:>4} Spark jobs", flush=True)
    return {name: (times[name], jobs[name]) for name in runs}


def _timed(spark: SparkSession, name: str, run: Callable[[], object]) -> tuple[float, int]:
    tracker = spark.sparkContext.statusTracker()
    group = f"bench-{time.monotonic_ns()}"
    spark.sparkContext.setJobGroup(group, name)
    spark.catalog.clearCache()
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    return seconds, len(tracker.getJobIdsForGroup(group))


def render(
    args: Any, results: dict[str, tuple[list[float], int]], host: tuple[float, float]
) -> str:
    medians = {name: statistics.median(times) for name, (times, _) in results.items()}
    native_s = medians["native gate"]
    rows = []
    for name, (times, jobs) in results.items():
        rows.append(
            f"| {name} | {' / '.join(f'{t:.1f}' for t in times)} | {medians[name]:.1f} "
            f"| {medians[name] / native_s:.2f} | {jobs} |"
        )
    table = "\n".join(rows)
    lines = [
        "## Quality gate: native single pass vs Great Expectations, Deequ and one scan per rule",
        "",
        f"`make bench` ({datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} cores, local Spark): 30 rules (27 row rules, 2 key sets, "
        f"1 freshness) on a {args.rows:,}-row `silver.orders`-shaped Delta table on local "
        "disk. The fast evaluations take turns (one run of each per round); seconds are "
        "medians; the ratio column is time / native gate. " + host_speed(*host),
        "",
        "| evaluation | runs (s) | median (s) | x native | Spark jobs |",
        "|---|---|---|---|---|",
        table,
        "",
    ]
    scan = medians["scan of the rule columns (floor)"]
    count = medians["count() (floor)"]
    on_candidate = medians["native gate on a silver candidate (merge key known unique)"]
    patterns = sum(isinstance(rule, Pattern) for rule in SUITE.rules)
    lines.append(
        f"Native gate / count() = **{native_s / count:.2f}x**; native gate / scan of the "
        f"rule columns = **{native_s / scan:.2f}x**, and **{on_candidate / scan:.2f}x** on a "
        "silver candidate, the frame the daily run judges (target ≤ 1.5x): the candidate is "
        "de-duplicated on its merge key (order_id, event_ts), so the gate skips the key-set "
        "pass for it and for the wider key set. Its one scan of all 27 row rules alone is "
        f"{medians['native, row rules only (the one scan)'] / scan:.2f}x the bare scan, and "
        f"{medians['native, row rules without the patterns'] / scan:.2f}x without the "
        f"{patterns} regular expressions. Native Spark jobs: "
        f"{results['native gate'][1]} (1 scan, 1 hash pass for the key set (order_id, "
        "event_ts) — the wider key set is implied unique and not scanned — and the stages "
        "adaptive execution reports as jobs); count() answers from Parquet footers, so it "
        "is no floor for reading columns."
    )
    no_patterns = medians["native, row rules without the patterns"]
    on_bytes = medians["native, row rules only (the one scan)"] - no_patterns
    lines.append(
        f"The {patterns} patterns are matched on the values' UTF-8 bytes "
        "(`adapters.spark.patterns`, `jars/lakecore`'s `BytePatterns`: a static method Spark's "
        f"generated code calls): they cost {on_bytes:.1f} s, {on_bytes / scan:.1f}x the bare "
        f"scan; through `rlike` the same scan costs {medians[RLIKE] - no_patterns:.1f} s more "
        "than without them (each value decoded to a Java string, then `java.util.regex`)."
        f" What is left between the candidate and the target: the row rules' other "
        f"expressions ({(no_patterns - scan) / scan:.2f}x the bare scan: 27 counts, the "
        f"comparisons and set lookups), the patterns ({on_bytes / scan:.2f}x), and the "
        "variation between runs on this shared host (the candidate measures what the row "
        "rules' scan measures)."
    )
    if no_patterns < scan:
        lines.append(
            "**This run's floor is not one**: the bare scan took longer than the row rules' "
            f"scan without the patterns ({scan:.1f} s against {no_patterns:.1f} s), which reads "
            "the same columns and does more with them; the ratios to the bare scan above are "
            "not a result."
        )
    if "GX, SUMMARY" in medians:
        lines.append(
            f"GX SUMMARY / native = **{medians['GX, SUMMARY'] / native_s:.1f}x** (target ≥ 3x); "
            f"GX BOOLEAN_ONLY / native = {medians['GX, BOOLEAN_ONLY'] / native_s:.1f}x."
        )
    if "Deequ" in medians:
        lines.append(
            f"Deequ (2.0.7-spark-3.5 through PyDeequ, the same 30 rules as constraints, "
            f"`bench/deequ.py`) / native = **{medians['Deequ'] / native_s:.1f}x**; both reach "
            "the same verdict on every rule."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
