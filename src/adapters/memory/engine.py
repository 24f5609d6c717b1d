"""``InMemoryEngine``: the core's transformations on lists of dict rows, by its own definitions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from lakecore.conform import ConformSpec, conform_record, quarantine_record
from lakecore.merge import MergeSpec, dedupe, key_of
from lakecore.ports import RAW_REASON, Conformed, CurrencyConversion, RunContext
from lakecore.relational import (
    Aggregate,
    JoinKind,
    aggregate_rows,
    check_join,
    day_of,
    join_rows,
)
from lakecore.schema import TableSpec, is_lineage

Rows = list[dict[str, Any]]
T = TypeVar("T")
R = TypeVar("R")

MISSING_FX_RATE = "missing_fx_rate"


class InMemoryEngine:
    """Executes every ``Engine`` operation in plain Python; never raises on data."""

    def from_records(
        self, records: Sequence[Mapping[str, str | None]], columns: Sequence[str]
    ) -> Rows:
        return [{c: record.get(c) for c in columns} for record in records]

    def with_constants(self, frame: Rows, values: Mapping[str, Any]) -> Rows:
        return [{**row, **values} for row in frame]

    def where_equal(self, frame: Rows, column: str, value: Any) -> Rows:
        return [row for row in frame if row.get(column) == value]

    def where_not_equal(self, frame: Rows, column: str, value: Any) -> Rows:
        return [row for row in frame if row.get(column) != value]

    def where_in(self, frame: Rows, column: str, values: Sequence[Any]) -> Rows:
        wanted = set(values)
        return [row for row in frame if row.get(column) is not None and row[column] in wanted]

    def where_after(self, frame: Rows, column: str, value: Any) -> Rows:
        return [row for row in frame if row.get(column) is not None and row[column] > value]

    def distinct(self, frame: Rows, columns: Sequence[str]) -> set[tuple[Any, ...]]:
        return {tuple(row.get(c) for c in columns) for row in frame}

    def conform(
        self, frame: Rows, spec: ConformSpec, run: RunContext, *, keep_raw: bool = False
    ) -> Conformed[Rows]:
        valid: Rows = []
        rejected: Rows = []
        kept: Rows = []
        for raw in frame:
            row, reasons = conform_record(raw, spec)
            if keep_raw:
                kept.append({**raw, RAW_REASON: "; ".join(reasons) or None})
            if not reasons:
                valid.append(row)
                continue
            record = quarantine_record(raw, raw_record_fields(raw))
            rejected.append(
                _rejection(str(spec.target.id), str(spec.source), reasons, record, raw, run)
            )
        return Conformed(valid, rejected, kept if keep_raw else None)

    def dedupe(self, frame: Rows, spec: MergeSpec) -> Rows:
        return dedupe(frame, spec)

    def latest(self, frame: Rows, spec: MergeSpec, earliest: Mapping[str, str]) -> Rows:
        firsts: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in frame:
            mins = firsts.setdefault(key_of(row, spec), {})
            for alias, column in earliest.items():
                value = row.get(column)
                if value is not None and (mins.get(alias) is None or value < mins[alias]):
                    mins[alias] = value
        return [{**row, **firsts[key_of(row, spec)]} for row in dedupe(frame, spec)]

    def project(self, frame: Rows, columns: Sequence[tuple[str, str]]) -> Rows:
        return [{target: row.get(source) for target, source in columns} for row in frame]

    def convert(
        self,
        frame: Rows,
        rates: Rows,
        spec: CurrencyConversion,
        target: TableSpec,
        run: RunContext,
    ) -> Conformed[Rows]:
        by_day = {(r[spec.rate_date], r[spec.rate_currency]): r[spec.rate] for r in rates}
        quantum = Decimal(1).scaleb(-spec.scale)
        valid: Rows = []
        rejected: Rows = []
        for row in frame:
            ts = row.get(spec.timestamp)
            day = ts.date() if isinstance(ts, datetime) else None
            amount, currency = row.get(spec.amount), row.get(spec.currency)
            rate = Decimal(1) if currency == spec.base else by_day.get((day, currency))
            if rate is None or amount is None:
                record = quarantine_record(row, tuple(row))
                key = row.get(target.keys[0]) if len(target.keys) == 1 else None
                rejected.append(
                    _rejection(str(target.id), "", [MISSING_FX_RATE], record, {}, run, key)
                )
                continue
            converted = (Decimal(amount) / rate).quantize(quantum, rounding=ROUND_HALF_UP)
            valid.append({**row, spec.date_column: day, spec.target: converted})
        return Conformed(valid, rejected)

    def union(self, frames: Sequence[Rows]) -> Rows:
        return [row for frame in frames for row in frame]

    def aggregate(self, frame: Rows, by: Sequence[str], aggregates: Sequence[Aggregate]) -> Rows:
        return aggregate_rows(frame, by, aggregates)

    def join(
        self, left: Rows, right: Rows, on: Sequence[str], how: JoinKind = JoinKind.INNER
    ) -> Rows:
        if left and right:
            check_join(list(left[0]), list(right[0]), on)
        right_columns = list(right[0]) if right else []
        return join_rows(left, right, on, JoinKind(how), right_columns)

    def with_day(self, frame: Rows, target: str, timestamp: str) -> Rows:
        return [{**row, target: day_of(row.get(timestamp))} for row in frame]

    def count(self, frame: Rows) -> int:
        return len(frame)

    def count_by(self, frame: Rows, columns: Sequence[str]) -> dict[tuple[Any, ...], int]:
        return dict(Counter(tuple(row.get(c) for c in columns) for row in frame))

    def keep(self, frame: Rows) -> Rows:
        """Rows are computed when made."""
        return frame

    def release(self, frame: Rows) -> None:
        """Nothing is cached in memory."""

    def each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """One after another, in order: a crash lands at the same write on every run."""
        return [work(item) for item in items]


def raw_record_fields(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """What a quarantined bronze record keeps: every landed field and the corrupt raw text."""
    return (*(c for c in raw if not is_lineage(c)), "_corrupt_record")


def _rejection(
    table: str,
    source_table: str,
    reasons: list[str],
    record: str,
    raw: Mapping[str, Any],
    run: RunContext,
    key: Any = None,
) -> dict[str, Any]:
    return {
        "table": table,
        "source_table": source_table or None,
        "reason": "; ".join(reasons),
        "record": record,
        "_source_file": raw.get("_source_file"),
        "_run_id": run.run_id,
        "_batch": run.batch,
        "_proc_date": run.proc_date,
        "_quarantined_at": run.started_at,
        "key": None if key is None else str(key),
    }
