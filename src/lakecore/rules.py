"""Quality rules as data, and their reference semantics on plain Python rows.

Record-level rules (``NotNull``, ``Range``, ``InSet``, ``Pattern``) judge one row at a time:
breaking rows are quarantined where records enter silver. Table-level rules (``Unique``,
``ReferenceExists``) judge a whole table and belong to the quality gate. A null value passes
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
    """The value matches ``regex`` somewhere (anchor it with ``^…$`` for a full match)."""

    column: str
    regex: str
    severity: Severity = Severity.CRITICAL

    @property
    def name(self) -> str:
        return f"pattern({self.column})"


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


RecordRule = NotNull | Range | InSet | Pattern
TableRule = Unique | ReferenceExists
Rule = RecordRule | TableRule


def is_record_rule(rule: Rule) -> bool:
    return isinstance(rule, NotNull | Range | InSet | Pattern)


def rule_columns(rule: Rule) -> tuple[str, ...]:
    if isinstance(rule, Unique):
        return rule.columns
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
        return re.search(rule.regex, str(value)) is None
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

    def validate(self, spec: TableSpec) -> None:
        """Raise ``ConfigurationError`` for a rule no data could satisfy meaningfully."""
        for rule in self.rules:
            for column in rule_columns(rule):
                if not spec.has_column(column):
                    raise ConfigurationError(f"{self.table}: rule {rule.name} names unknown column")
            _validate_shape(self.table, rule)


def _validate_shape(table: TableId, rule: Rule) -> None:
    problem = ""
    if isinstance(rule, InSet) and not rule.values:
        problem = "has no allowed values"
    elif isinstance(rule, Range) and rule.min is None and rule.max is None:
        problem = "has neither min nor max"
    elif isinstance(rule, Range) and rule.min is not None and rule.max is not None:
        problem = "has min > max" if rule.min > rule.max else ""
    elif isinstance(rule, Unique) and not rule.columns:
        problem = "names no columns"
    elif isinstance(rule, Pattern):
        try:
            re.compile(rule.regex)
        except re.error as exc:
            problem = f"has an invalid regex: {exc}"
    if problem:
        raise ConfigurationError(f"{table}: rule {rule.name} {problem}")
