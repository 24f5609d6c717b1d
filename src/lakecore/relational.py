"""The relational operations gold transforms are written with, and their reference semantics
on plain rows. Every engine reproduces these (a differential test holds Spark to them), so
a transform written once runs in memory for its author's property tests and on Spark.

* ``aggregate``: one row per distinct ``by`` key (null is a key like any other; with no
  ``by`` columns, one row even for no rows, as SQL's global aggregate), with
  ``count`` (rows, or non-null values of a column), ``sum``, ``min``, ``max`` of a column
  over its non-null values (null when there are none; ``count`` is then 0).
* ``join``: rows of ``left`` and ``right`` whose ``on`` columns are equal; a null never
  equals anything. ``left`` keeps unmatched left rows with nulls for the right's columns.
  The two sides share no column but the ``on`` columns. ``semi`` keeps each left row that
  has a match, once, and ``anti`` each that has none, both without the right's columns.
* ``day_of``: the UTC date of a timestamp column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from lakecore.errors import ConfigurationError

Row = dict[str, Any]


class Function(StrEnum):
    COUNT = "count"
    SUM = "sum"
    MIN = "min"
    MAX = "max"


class JoinKind(StrEnum):
    INNER = "inner"
    LEFT = "left"
    SEMI = "semi"
    ANTI = "anti"


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``target`` = ``function`` over ``column`` per group (``count`` with no column: rows)."""

    target: str
    function: Function
    column: str | None = None

    def __post_init__(self) -> None:
        if self.column is None and self.function is not Function.COUNT:
            raise ConfigurationError(f"aggregate {self.target}: {self.function} needs a column")


def check_join(left: Sequence[str], right: Sequence[str], on: Sequence[str]) -> None:
    """Raise ``ConfigurationError`` unless both sides have ``on`` and share nothing else."""
    if not on:
        raise ConfigurationError("a join needs at least one column to join on")
    missing = [c for c in on if c not in left or c not in right]
    shared = sorted((set(left) & set(right)) - set(on))
    if missing or shared:
        raise ConfigurationError(
            f"join on {list(on)}: missing on one side {missing}, on both sides {shared}"
        )


def aggregate_rows(
    rows: Sequence[Mapping[str, Any]], by: Sequence[str], aggregates: Sequence[Aggregate]
) -> list[Row]:
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {} if by else {(): []}
    for row in rows:
        groups.setdefault(tuple(row.get(c) for c in by), []).append(row)
    return [
        {**dict(zip(by, key, strict=True)), **{a.target: _apply(a, members) for a in aggregates}}
        for key, members in groups.items()
    ]


def _apply(aggregate: Aggregate, rows: Sequence[Mapping[str, Any]]) -> Any:
    if aggregate.column is None:
        return len(rows)
    values = [v for row in rows if (v := row.get(aggregate.column)) is not None]
    if aggregate.function is Function.COUNT:
        return len(values)
    if not values:
        return None
    if aggregate.function is Function.SUM:
        return sum(values)
    return min(values) if aggregate.function is Function.MIN else max(values)


def join_rows(
    left: Sequence[Mapping[str, Any]],
    right: Sequence[Mapping[str, Any]],
    on: Sequence[str],
    how: JoinKind,
    right_columns: Sequence[str],
) -> list[Row]:
    index: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for row in right:
        key = tuple(row.get(c) for c in on)
        if None not in key:
            index.setdefault(key, []).append(row)
    extra = [c for c in right_columns if c not in on]
    out: list[Row] = []
    for row in left:
        key = tuple(row.get(c) for c in on)
        matches = index.get(key, []) if None not in key else []
        if how in (JoinKind.SEMI, JoinKind.ANTI):
            if bool(matches) is (how is JoinKind.SEMI):
                out.append(dict(row))
            continue
        out += [{**row, **{c: match.get(c) for c in extra}} for match in matches]
        if not matches and how is JoinKind.LEFT:
            out.append({**row, **dict.fromkeys(extra)})
    return out


def day_of(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else None
