"""The quality gate: what an executor measures, how the core judges it, what it reports.

An executor (native Spark, Great Expectations, memory) only *measures* a table against a
suite: rows, how many rows break each counted rule, the newest value of each freshness
column, and a few breaking rows of each rule that failed. The core then *judges* every rule
the same way whatever the executor, so executors can be compared number for number.

Counting semantics (the reference, ``measure_rows`` below):

* a record rule counts the rows that ``violates`` it (nulls break only ``NotNull``);
* ``Unique`` counts every row whose key occurs more than once (null-safe, so two rows with
  a null in the same key column collide), ignoring rows whose key columns are all null;
* ``ReferenceExists`` counts rows whose non-null value is absent from the referenced column.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from lakecore.rules import (
    Freshness,
    RecordRule,
    ReferenceExists,
    Rule,
    RuleSuite,
    Severity,
    Unique,
    VolumeChange,
    violates,
)
from lakecore.schema import TableId

Row = Mapping[str, Any]
#: How many breaking rows a report keeps per failed rule.
SAMPLE_SIZE = 5
#: A run whose quarantined share of incoming records is above this fails the gate.
QUARANTINE_THRESHOLD = 0.01


@dataclass(frozen=True, slots=True)
class Measurements:
    """What an executor found in one table."""

    rows: int
    #: rule name -> rows breaking it, for every record, ``Unique`` and ``ReferenceExists`` rule
    unexpected: Mapping[str, int]
    #: column -> its greatest non-null value (None for an empty column), per freshness rule
    newest: Mapping[str, Any] = field(default_factory=dict)
    #: rule name -> a few breaking rows, only for rules that found any
    samples: Mapping[str, Sequence[Row]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GateContext:
    """What judging needs beyond the table: the run, its date, and the table's past size."""

    run_id: str
    as_of: date
    table_version: int | None = None
    previous_rows: int | None = None


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    kind: str
    severity: Severity
    passed: bool
    unexpected: int = 0
    observed: str | None = None
    samples: tuple[Row, ...] = ()

    @property
    def blocking(self) -> bool:
        return not self.passed and self.severity is Severity.CRITICAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "severity": str(self.severity),
            "passed": self.passed,
            "unexpected": self.unexpected,
            "observed": self.observed,
            "samples": [{k: _plain(v) for k, v in row.items()} for row in self.samples],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleResult:
        """A result as ``to_dict`` wrote it (sample values as JSON gave them back)."""
        return cls(
            rule=str(data["rule"]),
            kind=str(data["kind"]),
            severity=Severity(data["severity"]),
            passed=bool(data["passed"]),
            unexpected=int(data.get("unexpected") or 0),
            observed=data.get("observed"),
            samples=tuple(dict(row) for row in data.get("samples") or ()),
        )


@dataclass(frozen=True, slots=True)
class QualityReport:
    table: TableId
    executor: str
    run_id: str
    evaluated_at: datetime
    rows: int
    results: tuple[RuleResult, ...]
    table_version: int | None = None

    @property
    def passed(self) -> bool:
        """No critical rule failed (warnings do not stop a run)."""
        return not self.failures

    @property
    def failures(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.blocking)

    @property
    def warnings(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if not r.passed and not r.blocking)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": str(self.table),
            "table_version": self.table_version,
            "run_id": self.run_id,
            "executor": self.executor,
            "evaluated_at": self.evaluated_at.isoformat(),
            "rows": self.rows,
            "result": "passed" if self.passed else "failed",
            "failed_critical": len(self.failures),
            "failed_warning": len(self.warnings),
            "rules": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualityReport:
        """A report as ``to_dict`` wrote it; ``KeyError``/``ValueError`` when it is not one."""
        version = data.get("table_version")
        return cls(
            table=TableId.parse(str(data["table"])),
            executor=str(data["executor"]),
            run_id=str(data["run_id"]),
            evaluated_at=datetime.fromisoformat(str(data["evaluated_at"])),
            rows=int(data["rows"]),
            results=tuple(RuleResult.from_dict(r) for r in data["rules"]),
            table_version=None if version is None else int(version),
        )


def counted_rules(suite: RuleSuite) -> tuple[RecordRule | Unique | ReferenceExists, ...]:
    """The rules an executor counts breaking rows for."""
    return (*suite.record_rules, *suite.table_rules)


def freshness_columns(suite: RuleSuite) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.column for r in suite.rules if isinstance(r, Freshness)))


def judge(
    suite: RuleSuite,
    found: Measurements,
    context: GateContext,
    *,
    executor: str,
    evaluated_at: datetime,
) -> QualityReport:
    """Every rule of ``suite``, passed or failed, from what the executor measured."""
    results = tuple(_judge(rule, found, context) for rule in suite.rules)
    return QualityReport(
        suite.table,
        executor,
        context.run_id,
        evaluated_at,
        found.rows,
        results,
        context.table_version,
    )


def _judge(rule: Rule, found: Measurements, context: GateContext) -> RuleResult:
    kind = type(rule).__name__
    if isinstance(rule, Freshness):
        newest = found.newest.get(rule.column)
        day = newest.date() if isinstance(newest, datetime) else newest
        fresh = isinstance(day, date) and day >= context.as_of - timedelta(rule.max_age_days)
        return RuleResult(rule.name, kind, rule.severity, fresh, observed=_text(newest))
    if isinstance(rule, VolumeChange):
        before = context.previous_rows
        if not before:  # a first version, or growth from nothing: nothing to compare with
            return RuleResult(rule.name, kind, rule.severity, True, observed=f"{found.rows} rows")
        observed = f"{before} -> {found.rows} rows ({(found.rows - before) / before:+.1%})"
        passed = rule.allows(before, found.rows)
        return RuleResult(rule.name, kind, rule.severity, passed, 0, observed)
    unexpected = found.unexpected.get(rule.name)
    if unexpected is None:
        raise KeyError(f"the executor did not measure {rule.name}")
    samples = tuple(found.samples.get(rule.name, ()))[:SAMPLE_SIZE]
    return RuleResult(rule.name, kind, rule.severity, unexpected == 0, unexpected, None, samples)


def quarantine_share(
    table: TableId,
    quarantined: int,
    incoming: int,
    context: GateContext,
    *,
    threshold: float = QUARANTINE_THRESHOLD,
    evaluated_at: datetime,
) -> QualityReport:
    """The share of this run's incoming records that went to quarantine, judged critically."""
    share = quarantined / incoming if incoming else 0.0
    result = RuleResult(
        f"quarantine_share(<={threshold:.1%})",
        "QuarantineShare",
        Severity.CRITICAL,
        share <= threshold,
        quarantined,
        f"{quarantined} of {incoming} records ({share:.2%})",
    )
    return QualityReport(
        table,
        "pipeline",
        context.run_id,
        evaluated_at,
        incoming,
        (result,),
        context.table_version,
    )


def describe_failures(reports: Sequence[QualityReport]) -> str:
    """One line naming every critical failure: ``table rule (count), ...``."""
    return "; ".join(
        f"{report.table} {failure.rule} ({failure.observed or failure.unexpected})"
        for report in reports
        for failure in report.failures
    )


# --- the reference executor ---------------------------------------------------------------


def measure_rows(
    rows: Sequence[Row],
    suite: RuleSuite,
    references: Mapping[TableId, Sequence[Row]],
    *,
    sample_size: int = SAMPLE_SIZE,
) -> Measurements:
    """The reference semantics of every measurement, on plain rows."""
    breaking: dict[str, list[Row]] = {}
    for rule in counted_rules(suite):
        if isinstance(rule, Unique):
            breaking[rule.name] = _duplicated(rows, rule.columns)
        elif isinstance(rule, ReferenceExists):
            breaking[rule.name] = _dangling(rows, rule, references)
        else:
            breaking[rule.name] = [row for row in rows if violates(rule, row)]
    newest = {
        column: max((v for row in rows if (v := row.get(column)) is not None), default=None)
        for column in freshness_columns(suite)
    }
    return Measurements(
        rows=len(rows),
        unexpected={name: len(found) for name, found in breaking.items()},
        newest=newest,
        samples={name: found[:sample_size] for name, found in breaking.items() if found},
    )


def _duplicated(rows: Sequence[Row], columns: tuple[str, ...]) -> list[Row]:
    def key(row: Row) -> tuple[Any, ...]:
        return tuple(row.get(c) for c in columns)

    keyed = [(key(row), row) for row in rows]
    seen = Counter(k for k, _ in keyed if any(v is not None for v in k))
    return [row for k, row in keyed if seen[k] > 1]


def _dangling(
    rows: Sequence[Row], rule: ReferenceExists, references: Mapping[TableId, Sequence[Row]]
) -> list[Row]:
    if rule.ref_table not in references:
        raise KeyError(f"{rule.name} needs {rule.ref_table}, which was not given")
    known = {row.get(rule.ref_column) for row in references[rule.ref_table]}
    return [row for row in rows if (v := row.get(rule.column)) is not None and v not in known]


def _text(value: Any) -> str | None:
    return None if value is None else str(_plain(value))


def _plain(value: Any) -> Any:
    """A JSON-friendly value: dates and times as ISO text, decimals as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
