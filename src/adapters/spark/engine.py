"""``SparkEngine``: the core's transformations as Spark DataFrame plans.

Each operation reproduces the reference semantics in ``lakecore`` (conform, merge winners,
currency conversion); the differential tests hold them to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from functools import reduce
from typing import Any, TypeVar

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from adapters.spark import patterns
from adapters.spark.types import spark_type
from lakecore import conform as c
from lakecore.merge import MergeSpec
from lakecore.ports import RAW_REASON, Conformed, CurrencyConversion, RunContext
from lakecore.relational import Aggregate, Function, JoinKind, check_join
from lakecore.rules import InSet, NotNull, Pattern, Range, RecordRule
from lakecore.schema import DataType, Kind, TableSpec, is_lineage

MISSING_FX_RATE = "missing_fx_rate"
_REASON = "_reasons"
_CORRUPT = "_corrupt_record"
_PAYLOAD = "_payload"
_RAW_PREFIX = "_raw__"
_RANK = "_lakecore_rank"
_MALFORMED = "_malformed"
_CLEAN = "_clean__"
_TYPED = "_typed__"

Item = TypeVar("Item")
Out = TypeVar("Out")


class SparkEngine:
    """Builds lazy plans; only ``distinct``, ``count`` and ``count_by`` run Spark jobs.

    ``conform`` and ``convert`` keep their intermediate result cached so the valid and the
    rejected rows come from one computation; ``release`` frees it. ``each`` runs up to
    ``side_by_side`` pieces of work at once, from threads, each in its own pool of Spark's
    FAIR scheduler: a small table's work is mostly fixed cost (planning, Delta's log, a
    commit), which others' jobs fill.
    """

    def __init__(self, spark: SparkSession, side_by_side: int = 4) -> None:
        self._spark = spark
        # frames persisted, by the id of the frame whose release unpersists them
        self._cached: dict[int, list[DataFrame]] = {}
        self._side_by_side = side_by_side

    def from_records(
        self, records: Sequence[Mapping[str, str | None]], columns: Sequence[str]
    ) -> DataFrame:
        schema = T.StructType([T.StructField(c, T.StringType()) for c in columns])
        rows = [tuple(record.get(c) for c in columns) for record in records]
        return self._spark.createDataFrame(rows, schema)

    def with_constants(self, frame: DataFrame, values: Mapping[str, Any]) -> DataFrame:
        return frame.withColumns({name: F.lit(value) for name, value in values.items()})

    def where_equal(self, frame: DataFrame, column: str, value: Any) -> DataFrame:
        col = F.col(column)
        return frame.where(col.isNull() if value is None else col == F.lit(value))

    def where_not_equal(self, frame: DataFrame, column: str, value: Any) -> DataFrame:
        return frame.where(~F.col(column).eqNullSafe(F.lit(value)))

    def where_in(self, frame: DataFrame, column: str, values: Sequence[Any]) -> DataFrame:
        return frame.where(F.col(_q(column)).isin(list(values)))

    def where_after(self, frame: DataFrame, column: str, value: Any) -> DataFrame:
        return frame.where(F.col(_q(column)) > F.lit(value))

    def distinct(self, frame: DataFrame, columns: Sequence[str]) -> set[tuple[Any, ...]]:
        rows = frame.select(*(_q(c) for c in columns)).distinct().collect()
        return {tuple(row) for row in rows}

    def conform(
        self, frame: DataFrame, spec: c.ConformSpec, run: RunContext, *, keep_raw: bool = False
    ) -> Conformed[DataFrame]:
        given = frame.columns
        raw = [col for col in given if not is_lineage(col)] + [_CORRUPT]
        frame, field, malformed = _field_reader(frame, spec)
        # Cleaned text, then typed values, each a column of its own that the checks read:
        # Spark keeps the projections apart rather than copy a costly expression into each
        # reference (1.9 s against 3.3 s for 100,000 order events).
        frame = frame.select(
            "*",
            malformed.alias(_MALFORMED),
            *(_clean(field(f.source), f.upper).alias(_CLEAN + f.name) for f in spec.fields),
        )
        malformed = F.col(_MALFORMED)
        cleaned = {f.name: F.col(_q(_CLEAN + f.name)) for f in spec.fields}
        frame = frame.select(
            "*",
            *(_parse(text, spec.type_of(n)).alias(_TYPED + n) for n, text in cleaned.items()),
        )
        typed = {name: F.col(_q(_TYPED + name)) for name in cleaned}
        checks = [
            F.when(cleaned[name].isNotNull() & typed[name].isNull(), F.lit(c.unparseable(name)))
            for name in typed
        ]
        checks += [
            F.when(violation(r, typed[r.column]), F.lit(c.broken(r.name))) for r in spec.rules
        ]
        reasons = F.when(malformed, F.array(F.lit(c.MALFORMED))).otherwise(
            F.array_compact(F.array(*checks))
        )
        # The input's own columns ride along under other names, when asked for.
        passed = [F.col(_q(col)).alias(_RAW_PREFIX + col) for col in given] if keep_raw else []
        tagged = frame.select(
            *(value.alias(name) for name, value in typed.items()),
            *(F.lit(value).alias(name) for name, value in spec.constants),
            *spec.lineage,
            _record_of(reasons, raw),
            reasons.alias(_REASON),
            *passed,
        ).persist(StorageLevel.MEMORY_AND_DISK_DESER)
        valid = tagged.where(F.size(_REASON) == 0).select(*spec.target.column_names)
        rejected = _rejections(
            tagged, str(spec.target.id), F.lit(str(spec.source)), F.col("_source_file"), run
        )
        kept = None
        if keep_raw:
            why = F.when(F.size(_REASON) > 0, F.concat_ws("; ", _REASON))
            kept = tagged.select(
                *(F.col(_q(_RAW_PREFIX + col)).alias(col) for col in given),
                why.alias(RAW_REASON),
            )
        return self._keep(tagged, Conformed(valid, rejected, kept))

    def dedupe(self, frame: DataFrame, spec: MergeSpec) -> DataFrame:
        return dedupe(frame, spec)

    def latest(self, frame: DataFrame, spec: MergeSpec, earliest: Mapping[str, str]) -> DataFrame:
        return dedupe(frame, spec, earliest)

    def project(self, frame: DataFrame, columns: Sequence[tuple[str, str]]) -> DataFrame:
        return frame.select(*(F.col(source).alias(target) for target, source in columns))

    def convert(
        self,
        frame: DataFrame,
        rates: DataFrame,
        spec: CurrencyConversion,
        target: TableSpec,
        run: RunContext,
    ) -> Conformed[DataFrame]:
        fx = rates.select(
            F.col(_q(spec.rate_date)).alias("_fx_date"),
            F.col(_q(spec.rate_currency)).alias("_fx_ccy"),
            F.col(_q(spec.rate)).alias("_fx_rate"),
        )
        day = F.to_date(F.col(spec.timestamp))
        dated = frame.withColumn(spec.date_column, day)
        on = (F.col(spec.date_column) == F.col("_fx_date")) & (
            F.col(spec.currency) == F.col("_fx_ccy")
        )
        joined = dated.join(F.broadcast(fx), on, "left")
        rate = F.when(F.col(spec.currency) == F.lit(spec.base), F.lit(1)).otherwise(
            F.col("_fx_rate")
        )
        amount_type = spark_type(target.column(spec.target).type)
        converted = F.round(F.col(spec.amount) / rate, spec.scale).cast(amount_type)
        missing = rate.isNull() | F.col(spec.amount).isNull()
        reasons = F.when(missing, F.array(F.lit(MISSING_FX_RATE))).otherwise(
            F.array().cast("array<string>")
        )
        tagged = joined.select(
            *frame.columns,
            spec.date_column,
            converted.alias(spec.target),
            _record_of(reasons, frame.columns),
            reasons.alias(_REASON),
        ).persist(StorageLevel.MEMORY_AND_DISK_DESER)
        valid = tagged.where(F.size(_REASON) == 0).drop("_record", _REASON)
        key = F.col(_q(target.keys[0])) if len(target.keys) == 1 else None
        none = F.lit(None).cast("string")
        rejected = _rejections(tagged, str(target.id), none, none, run, key)
        return self._keep(tagged, Conformed(valid, rejected))

    def union(self, frames: Sequence[DataFrame]) -> DataFrame:
        return reduce(lambda a, b: a.unionByName(b), frames)

    def aggregate(
        self, frame: DataFrame, by: Sequence[str], aggregates: Sequence[Aggregate]
    ) -> DataFrame:
        keys = [F.col(_q(c)) for c in by]
        if not aggregates:  # the distinct keys (Spark's agg needs a measure)
            return frame.select(*keys).distinct() if by else frame.sparkSession.range(1).select()
        measures = [_aggregate(a).alias(a.target) for a in aggregates]
        return frame.groupBy(*keys).agg(*measures)

    def join(
        self, left: DataFrame, right: DataFrame, on: Sequence[str], how: JoinKind = JoinKind.INNER
    ) -> DataFrame:
        check_join(left.columns, right.columns, on)
        return left.join(right, on=list(on), how=_SPARK_JOINS[JoinKind(how)])

    def with_day(self, frame: DataFrame, target: str, timestamp: str) -> DataFrame:
        return frame.withColumn(target, F.to_date(F.col(_q(timestamp))))

    def count(self, frame: DataFrame) -> int:
        return frame.count()

    def count_by(self, frame: DataFrame, columns: Sequence[str]) -> dict[tuple[Any, ...], int]:
        rows = frame.groupBy(*columns).count().collect()
        return {tuple(row[c] for c in columns): row["count"] for row in rows}

    def keep(self, frame: DataFrame) -> DataFrame:
        kept = frame.persist(StorageLevel.MEMORY_AND_DISK_DESER)
        self._cached.setdefault(id(kept), []).append(kept)
        return kept

    def release(self, frame: DataFrame) -> None:
        for cached in self._cached.pop(id(frame), []):
            cached.unpersist()

    def each(self, work: Callable[[Item], Out], items: Sequence[Item]) -> list[Out]:
        if len(items) < 2 or self._side_by_side < 2:
            return [work(item) for item in items]
        context = self._spark.sparkContext

        def pooled(n: int, item: Item) -> Out:
            context.setLocalProperty("spark.scheduler.pool", f"lakecore-{n}")
            try:
                return work(item)
            finally:
                context.setLocalProperty("spark.scheduler.pool", None)  # type: ignore[arg-type]

        width = min(len(items), self._side_by_side)
        with ThreadPoolExecutor(width, thread_name_prefix="lakecore") as threads:
            done = [threads.submit(pooled, n % width, item) for n, item in enumerate(items)]
            wait(done)
        return [future.result() for future in done]

    def _keep(self, cached: DataFrame, conformed: Conformed[DataFrame]) -> Conformed[DataFrame]:
        # Released through the rejected frame, which the use cases write last.
        self._cached.setdefault(id(conformed.rejected), []).append(cached)
        return conformed


def dedupe(
    frame: DataFrame, spec: MergeSpec, earliest: Mapping[str, str] | None = None
) -> DataFrame:
    """One row per key: the greatest version, of equal versions the least remaining
    columns (``lakecore.merge``), nulls lowest, by one window.

    ``earliest`` adds, per key, the minimum of a column under an alias (same window, so
    still one shuffle and one sort). A window measured faster here than ``max(struct(…))``
    in a ``groupBy``, which Spark cannot hash-aggregate (4.3 s against 2.5 s, 800k rows).
    """
    earliest = earliest or {}
    rest = sorted(c for c in frame.columns if c not in spec.keys and c not in spec.version)
    keys = [F.col(_q(k)) for k in spec.keys]
    newest_first = Window.partitionBy(*keys).orderBy(
        *(F.col(_q(c)).desc_nulls_last() for c in spec.version),
        *(F.col(_q(c)).asc_nulls_first() for c in rest),
    )
    per_key = Window.partitionBy(*keys)
    ranked = frame.select(
        "*",
        F.row_number().over(newest_first).alias(_RANK),
        *(F.min(_q(column)).over(per_key).alias(alias) for alias, column in earliest.items()),
    )
    return ranked.where(F.col(_RANK) == 1).drop(_RANK)


_SPARK_JOINS = {
    JoinKind.INNER: "inner",
    JoinKind.LEFT: "left",
    JoinKind.SEMI: "left_semi",
    JoinKind.ANTI: "left_anti",
}
_AGGREGATES: dict[Function, Callable[[Column], Column]] = {
    Function.COUNT: F.count,
    Function.SUM: F.sum,
    Function.MIN: F.min,
    Function.MAX: F.max,
}


def _aggregate(aggregate: Aggregate) -> Column:
    if aggregate.column is None:
        return F.count(F.lit(1))
    return _AGGREGATES[aggregate.function](F.col(_q(aggregate.column)))


def _q(column: str) -> str:
    return f"`{column}`"


def _field_reader(
    frame: DataFrame, spec: c.ConformSpec
) -> tuple[DataFrame, Callable[[str], Column], Column]:
    """How to reach a raw field, and when the record is malformed.

    A JSON payload is parsed once, into a column of its own: every field and check then
    reads that column (referring to ``from_json(...)[name]`` instead would parse the JSON
    again for each reference, 8x the work).
    """
    corrupt = F.col(_CORRUPT).isNotNull()
    if spec.payload is None:
        return frame, F.col, corrupt
    schema = T.StructType(
        [T.StructField(f.source, T.StringType()) for f in spec.fields]
        + [T.StructField(_CORRUPT, T.StringType())]
    )
    parsed = frame.withColumn(
        _PAYLOAD,
        F.from_json(F.col(spec.payload), schema, {"columnNameOfCorruptRecord": _CORRUPT}),
    )
    payload = F.col(_PAYLOAD)
    malformed = corrupt | payload.isNull() | payload[_CORRUPT].isNotNull()
    return parsed, (lambda name: payload[name]), malformed


def _clean(raw: Column, upper: bool) -> Column:
    text = F.trim(raw)
    return F.when(text != "", F.upper(text) if upper else text)


def _parse(text: Column, data_type: DataType) -> Column:
    kind = data_type.kind
    if kind is Kind.STRING:
        return text
    if kind is Kind.TIMESTAMP:
        return (
            F.when(text.rlike(c.EPOCH_MILLIS), F.timestamp_millis(text.cast("long")))
            .when(text.rlike(c.US_TIMESTAMP), F.to_timestamp(text, "MM/dd/yyyy HH:mm:ss"))
            .when(text.rlike(c.ISO_TIMESTAMP), text.cast("timestamp"))
        )
    if kind is Kind.BOOLEAN:
        return F.when(text.rlike(c.BOOLEAN_TEXT), F.lower(text) == F.lit("true"))
    pattern = {Kind.DATE: c.ISO_DATE, Kind.LONG: c.LONG_TEXT}.get(kind, c.DECIMAL_TEXT)
    return F.when(text.rlike(pattern), text.cast(spark_type(data_type)))


def violation(rule: RecordRule, value: Column) -> Column:
    """True where ``value`` breaks the record rule (``lakecore.rules.violates`` in Spark)."""
    if isinstance(rule, NotNull):
        return value.isNull()
    if isinstance(rule, InSet):
        return value.isNotNull() & ~value.isin(list(rule.values))
    if isinstance(rule, Pattern):
        return value.isNotNull() & ~patterns.matches(value, rule)
    return value.isNotNull() & ~_within(rule, value)


def _within(rule: Range, value: Column) -> Column:
    ok = F.lit(True)
    if rule.min is not None:
        ok = ok & (value >= F.lit(rule.min) if rule.min_inclusive else value > F.lit(rule.min))
    if rule.max is not None:
        ok = ok & (value <= F.lit(rule.max) if rule.max_inclusive else value < F.lit(rule.max))
    return ok


def _record_of(reasons: Column, columns: Sequence[str]) -> Column:
    """The record as JSON, built only for rows that are rejected."""
    return F.when(F.size(reasons) > 0, F.to_json(F.struct(*columns))).alias("_record")


def _rejections(
    tagged: DataFrame,
    table: str,
    source_table: Column,
    source_file: Column,
    run: RunContext,
    key: Column | None = None,
) -> DataFrame:
    return tagged.where(F.size(_REASON) > 0).select(
        F.lit(table).alias("table"),
        source_table.alias("source_table"),
        F.concat_ws("; ", _REASON).alias("reason"),
        F.col("_record").alias("record"),
        source_file.alias("_source_file"),
        F.lit(run.run_id).alias("_run_id"),
        F.lit(run.batch).cast("long").alias("_batch"),
        F.lit(run.proc_date).alias("_proc_date"),
        F.lit(run.started_at).alias("_quarantined_at"),
        (F.lit(None) if key is None else key).cast("string").alias("key"),
    )
