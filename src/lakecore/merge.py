"""What a MERGE must produce, defined once on plain rows.

A merge keeps one row per key. The winner among rows with the same key is the one with the
greatest *version*: the ``order_by`` columns, then the business ``tiebreak`` columns, compared
left to right with null lowest. Because the winner depends only on the rows' content, merging
is idempotent (merging a batch twice equals merging it once) and independent of arrival order.
When two rows have the same key and the same version they mean the same thing; the row already
in the table stays, lineage and all, and within one batch the least of the remaining columns
(lineage: the earliest ingestion, then the first file) stays, so the same rows give the same
table whether they arrive in one batch or in several. Keys are compared null-safely: a null key is a value.
Engines (Spark, memory) execute these semantics; the memory functions here are the reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lakecore.errors import ConfigurationError
from lakecore.schema import TableSpec

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class MergeSpec:
    """Keys that identify a row and the columns that decide which version of it wins."""

    keys: tuple[str, ...]
    order_by: tuple[str, ...] = ()
    tiebreak: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.keys:
            raise ConfigurationError("a merge needs at least one key column")

    @classmethod
    def for_table(cls, spec: TableSpec, order_by: Sequence[str] = ()) -> MergeSpec:
        """Merge on the table's keys; ties on ``order_by`` are broken by the business columns."""
        if not spec.keys:
            raise ConfigurationError(f"{spec.id} has no keys to merge on")
        taken = {*spec.keys, *order_by}
        tiebreak = tuple(c for c in spec.business_columns if c not in taken)
        return cls(keys=spec.keys, order_by=tuple(order_by), tiebreak=tiebreak)

    @property
    def version(self) -> tuple[str, ...]:
        return (*self.order_by, *self.tiebreak)


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    rows: list[Row]
    inserted: int
    updated: int


def sortable(values: Iterable[Any]) -> tuple[tuple[int, Any], ...]:
    """A comparison key for a sequence of nullable values: null sorts lowest."""
    return tuple((0, 0) if v is None else (1, v) for v in values)


def version_key(row: Mapping[str, Any], spec: MergeSpec) -> tuple[tuple[int, Any], ...]:
    return sortable(row.get(c) for c in spec.version)


def _rest_key(row: Mapping[str, Any], spec: MergeSpec) -> tuple[tuple[int, Any], ...]:
    # Lineage and any other columns make the choice between equal versions deterministic.
    rest = sorted(c for c in row if c not in spec.keys and c not in spec.version)
    return sortable(row[c] for c in rest)


def _wins(row: Mapping[str, Any], best: Mapping[str, Any], spec: MergeSpec) -> bool:
    """A greater version wins; of equal versions, the least remaining columns."""
    mine, theirs = version_key(row, spec), version_key(best, spec)
    return mine > theirs or (mine == theirs and _rest_key(row, spec) < _rest_key(best, spec))


def key_of(row: Mapping[str, Any], spec: MergeSpec) -> tuple[Any, ...]:
    return tuple(row.get(k) for k in spec.keys)


def dedupe(rows: Iterable[Mapping[str, Any]], spec: MergeSpec) -> list[Row]:
    """One row per key: the greatest version (of equal ones, the least remaining columns)."""
    winners: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        key = key_of(row, spec)
        best = winners.get(key)
        if best is None or _wins(row, best, spec):
            winners[key] = row
    return [dict(row) for row in winners.values()]


def merge(
    target: Iterable[Mapping[str, Any]], batch: Iterable[Mapping[str, Any]], spec: MergeSpec
) -> MergeOutcome:
    """MERGE ``batch`` into ``target``: insert new keys, update where the batch's version is greater."""
    rows = {key_of(row, spec): dict(row) for row in target}
    inserted = updated = 0
    for row in dedupe(batch, spec):
        key = key_of(row, spec)
        current = rows.get(key)
        if current is None:
            inserted += 1
        elif version_key(row, spec) > version_key(current, spec):
            updated += 1
        else:
            continue
        rows[key] = row
    return MergeOutcome(list(rows.values()), inserted, updated)
