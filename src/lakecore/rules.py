"""Quality rules as data, and their reference semantics on plain Python rows.

Record-level rules (``NotNull``, ``Range``, ``InSet``, ``Pattern``) judge one row at a time:
breaking rows are quarantined where records enter silver. Table-level rules (``Unique``,
``ReferenceExists``) judge a whole table, and metric rules (``Freshness``, ``VolumeChange``)
judge its newest value and size; both belong to the quality gate. A null value passes
every record-level rule except ``NotNull`` — nulls are ``NotNull``'s business alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from lakecore.errors import ConfigurationError
from lakecore.schema import TableId, TableSpec

Number = int | float | Decimal


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class NotNull:
    column: str
    severity: Severity = Severity.CRITICAL

    @property
    def name(self) -> str:
        return f"not_null({self.column})"


@dataclass(frozen=True, slots=True)
class Range:
    """``min <= value <= max`` (either bound may be open with ``*_inclusive=False``, or absent)."""

    column: str
    min: Number | None = None
    max: Number | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    severity: Severity = Severity.CRITICAL

    @property
    def name(self) -> str:
        low = "" if self.min is None else f"{self.min}{'<=' if self.min_inclusive else '<'}"
        high = "" if self.max is None else f"{'<=' if self.max_inclusive else '<'}{self.max}"
        return f"range({low}{self.column}{high})"


@dataclass(frozen=True, slots=True)
class InSet:
    column: str
    values: tuple[str, ...]
    severity: Severity = Severity.CRITICAL

    @property
    def name(self) -> str:
        return f"in_set({self.column})"


@dataclass(frozen=True, slots=True)
class Pattern:
    """The value matches ``regex`` somewhere (anchor it with ``^…$`` for a full match).

    A final ``$`` is the end of the value: Python's ``$`` also matches before a last
    ``\\n`` and Java's (Spark's) before any last line end, so ``^[A-Z]{3}$`` would let
    ``"EUR\\n"`` through; every executor runs ``matcher`` instead.
    """

    column: str
    regex: str
    severity: Severity = Severity.CRITICAL

    @property
    def name(self) -> str:
        return f"pattern({self.column})"

    @property
    def matcher(self) -> str:
        """``regex`` with a final ``$`` as "nothing follows" (one meaning in both dialects)."""
        body, ends = self.until_end
        return body + r"(?![\s\S])" if ends else self.regex

    @property
    def until_end(self) -> tuple[str, bool]:
        """``regex`` without a final (unescaped) ``$``, and whether it had one."""
        body = self.regex.removesuffix("$")
        escaped = len(body) - len(body.rstrip("\\"))
        if body == self.regex or escaped % 2:
            return self.regex, False
        return body, True


@dataclass(frozen=True, slots=True)
class Unique:
    columns: tuple[str, ...]
    severity: Severity = Severity.CRITICAL

    @property
    def name(self) -> str:
        return f"unique({','.join(self.columns)})"


@dataclass(frozen=True, slots=True)
class ReferenceExists:
    """Every non-null ``column`` value appears in ``ref_column`` of table ``ref_table``."""

    column: str
    ref_table: TableId
    ref_column: str
    severity: Severity = Severity.CRITICAL

    @property
    def name(self) -> str:
        return f"reference({self.column}->{self.ref_table}.{self.ref_column})"


@dataclass(frozen=True, slots=True)
class Freshness:
    """The newest ``column`` value is at most ``max_age_days`` before the run's date."""

    column: str
    max_age_days: int
    severity: Severity = Severity.WARNING

    @property
    def name(self) -> str:
        return f"freshness({self.column}<={self.max_age_days}d)"


@dataclass(frozen=True, slots=True)
class VolumeChange:
    """Against the previous version, the row count fell by at most ``max_drop`` and grew by
    at most ``max_growth`` (shares; ``None`` for no limit). Tables that accumulate should
    not shrink, so the default only limits the drop."""

    max_drop: float = 0.1
    max_growth: float | None = None
    severity: Severity = Severity.WARNING

    @property
    def name(self) -> str:
        growth = "" if self.max_growth is None else f"+{self.max_growth:.0%}"
        return f"volume_change(-{self.max_drop:.0%}..{growth})"

    def allows(self, before: int, after: int) -> bool:
        change = (after - before) / before
        return -change <= self.max_drop and (self.max_growth is None or change <= self.max_growth)


RecordRule = NotNull | Range | InSet | Pattern
TableRule = Unique | ReferenceExists
#: judged from table metrics (newest value, row counts) rather than from counted rows
MetricRule = Freshness | VolumeChange
Rule = RecordRule | TableRule | MetricRule


def is_record_rule(rule: Rule) -> bool:
    return isinstance(rule, NotNull | Range | InSet | Pattern)


def rule_columns(rule: Rule) -> tuple[str, ...]:
    if isinstance(rule, Unique):
        return rule.columns
    if isinstance(rule, VolumeChange):
        return ()
    return (rule.column,)


def violates(rule: RecordRule, row: Mapping[str, object]) -> bool:
    """The reference semantics of a record-level rule: does ``row`` break it?"""
    value = row.get(rule.column)
    if isinstance(rule, NotNull):
        return value is None
    if value is None:
        return False
    if isinstance(rule, InSet):
        return value not in rule.values
    if isinstance(rule, Pattern):
        return re.search(rule.matcher, str(value)) is None
    return not _in_range(rule, value)


def _in_range(rule: Range, value: object) -> bool:
    if not isinstance(value, int | float | Decimal):
        return False
    low_ok = rule.min is None or (value >= rule.min if rule.min_inclusive else value > rule.min)
    high_ok = rule.max is None or (value <= rule.max if rule.max_inclusive else value < rule.max)
    return low_ok and high_ok


def broken_rules(rules: Iterable[RecordRule], row: Mapping[str, object]) -> list[RecordRule]:
    return [rule for rule in rules if violates(rule, row)]


@dataclass(frozen=True, slots=True)
class RuleSuite:
    """The rules one table must satisfy."""

    table: TableId
    rules: tuple[Rule, ...]

    @property
    def record_rules(self) -> tuple[RecordRule, ...]:
        return tuple(r for r in self.rules if isinstance(r, NotNull | Range | InSet | Pattern))

    @property
    def table_rules(self) -> tuple[TableRule, ...]:
        return tuple(r for r in self.rules if isinstance(r, Unique | ReferenceExists))

    @property
    def metric_rules(self) -> tuple[MetricRule, ...]:
        return tuple(r for r in self.rules if isinstance(r, Freshness | VolumeChange))

    @property
    def references(self) -> tuple[TableId, ...]:
        """The tables this suite's ``ReferenceExists`` rules look into."""
        return tuple(
            dict.fromkeys(r.ref_table for r in self.rules if isinstance(r, ReferenceExists))
        )

    @property
    def key_sets(self) -> tuple[tuple[str, ...], ...]:
        """The distinct column sets of the ``Unique`` rules (one scan each on a table)."""
        return tuple(dict.fromkeys(r.columns for r in self.rules if isinstance(r, Unique)))

    def validate(self, spec: TableSpec, tables: Mapping[TableId, TableSpec] | None = None) -> None:
        """Raise ``ConfigurationError`` for a rule that names a column the table (or the
        referenced table, when ``tables`` knows it) lacks, or that is malformed."""
        if spec.id != self.table:
            raise ConfigurationError(f"suite for {self.table} checked against {spec.id}")
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"{self.table}: the suite holds a rule twice")
        for rule in self.rules:
            for column in rule_columns(rule):
                if not spec.has_column(column):
                    raise ConfigurationError(
                        f"{self.table}: rule {rule.name} names unknown column {column!r}"
                    )
            if isinstance(rule, ReferenceExists) and tables is not None:
                ref = tables.get(rule.ref_table)
                if ref is None or not ref.has_column(rule.ref_column):
                    raise ConfigurationError(
                        f"{self.table}: rule {rule.name} refers to an unknown table or column"
                    )
            _validate_shape(self.table, rule)


def validate_suites(
    suites: Mapping[TableId, RuleSuite], tables: Mapping[TableId, TableSpec]
) -> None:
    """Every suite names one of ``tables`` and fits it; ``ConfigurationError`` otherwise."""
    for table, suite in suites.items():
        spec = tables.get(table)
        if spec is None:
            raise ConfigurationError(
                f"a rule suite names {table}, which the pipeline does not declare"
            )
        suite.validate(spec, tables)


def _validate_shape(table: TableId, rule: Rule) -> None:
    problem = ""
    if not isinstance(rule.severity, Severity):
        problem = f"has an unknown severity {rule.severity!r} (critical or warning)"
    elif isinstance(rule, InSet) and not rule.values:
        problem = "has no allowed values"
    elif isinstance(rule, Range) and rule.min is None and rule.max is None:
        problem = "has neither min nor max"
    elif isinstance(rule, Range) and rule.min is not None and rule.max is not None:
        problem = "has min > max" if rule.min > rule.max else ""
    elif isinstance(rule, Unique) and not rule.columns:
        problem = "names no columns"
    elif isinstance(rule, Freshness) and rule.max_age_days < 0:
        problem = "has a negative age"
    elif isinstance(rule, VolumeChange) and not 0 <= rule.max_drop <= 1:
        problem = "needs a max_drop between 0 and 1"
    elif isinstance(rule, VolumeChange) and rule.max_growth is not None and rule.max_growth < 0:
        problem = "has a negative max_growth"
    elif isinstance(rule, Pattern):
        try:
            re.compile(rule.regex)
        except re.error as exc:
            problem = f"has an invalid regex: {exc}"
    if problem:
        raise ConfigurationError(f"{table}: rule {rule.name} {problem}")
