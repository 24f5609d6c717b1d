"""Housekeeping's rules on the in-memory store: compaction keeps every row, VACUUM below a
week is refused unless forced, a dry run changes nothing, every run is logged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import InMemoryMaintenance, InMemoryTableStore
from lakecore.errors import ConfigurationError
from lakecore.maintenance import FORCE_FLAG, MAINTENANCE_LOG, housekeeping
from lakecore.ports import RunContext
from lakecore.schema import LONG, Column, Layer, TableId, TableSpec

EVENTS = TableSpec(
    TableId(Layer.SILVER, "events"),
    columns=(Column("id", LONG, nullable=False), Column("day")),
    keys=("id",),
    zorder_by=("day",),
)
OTHER = TableSpec(TableId(Layer.GOLD, "never_written"), columns=(Column("id", LONG),))
RUN = RunContext("run-1", datetime(2026, 11, 29).date(), datetime(2026, 11, 29, 4))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 4, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _lake(appends: int) -> tuple[InMemoryTableStore, InMemoryMaintenance, Clock]:
    store, clock = InMemoryTableStore(), Clock()
    for i in range(appends):
        store.append(EVENTS, [{"id": i, "day": f"2026-11-{1 + i % 28:02d}"}])
    return store, InMemoryMaintenance(store, clock), clock


def _run(store: InMemoryTableStore, maintenance: InMemoryMaintenance, **options: object) -> list:
    return housekeeping([EVENTS, OTHER], maintenance=maintenance, store=store, run=RUN,
                        progress=lambda step, **facts: None, **options)  # type: ignore[arg-type]  # fmt: skip


def test_compaction_reduces_the_files_keeps_every_row_and_is_logged() -> None:
    store, maintenance, _ = _lake(12)
    rows = sorted(store.read(EVENTS), key=lambda r: r["id"])

    (done,) = _run(store, maintenance)

    assert (done.files_before, done.files_after, done.files_compacted) == (12, 1, 12)
    assert (done.version_before, done.version_after) == (11, 12)
    assert done.zorder_by == "day"
    assert sorted(store.read(EVENTS), key=lambda r: r["id"]) == rows
    (logged,) = store.read(MAINTENANCE_LOG)
    assert logged["table_name"] == "silver.events"
    assert (logged["files_before"], logged["files_after"]) == (12, 1)
    assert logged["run_id"] == "run-1"

    (again,) = _run(store, maintenance)  # nothing left to compact
    assert (again.files_before, again.files_after, again.files_compacted) == (1, 1, 0)
    assert len(store.read(MAINTENANCE_LOG)) == 2


@pytest.mark.parametrize("hours", [0, 1, 167])
def test_a_retention_below_a_week_is_refused_unless_forced(hours: int) -> None:
    store, maintenance, _ = _lake(3)
    with pytest.raises(ConfigurationError, match=f"below 168.*{FORCE_FLAG}"):
        _run(store, maintenance, retain_hours=hours)
    assert store.version(EVENTS.id) == 2  # refused before anything ran
    assert not store.exists(MAINTENANCE_LOG.id)


def test_vacuum_removes_replaced_files_only_past_the_retention() -> None:
    store, maintenance, clock = _lake(5)
    (first,) = _run(store, maintenance)
    assert first.files_vacuumed == 0  # the 5 replaced files are younger than a week
    clock.now += timedelta(hours=169)
    (later,) = _run(store, maintenance)
    assert later.files_vacuumed == 5
    store.append(EVENTS, [{"id": 99, "day": "2026-11-30"}])
    (forced,) = _run(store, maintenance, retain_hours=0, force=True)
    assert forced.files_vacuumed == 2  # the compacted file and the new one, replaced just now


def test_a_dry_run_changes_nothing_and_lists_what_vacuum_would_remove() -> None:
    store, maintenance, clock = _lake(4)
    _run(store, maintenance)
    clock.now += timedelta(days=8)
    version = store.version(EVENTS.id)

    (dry,) = _run(store, maintenance, dry_run=True)

    assert dry.files_vacuumed == 4
    assert store.version(EVENTS.id) == version
    assert len(store.read(MAINTENANCE_LOG)) == 1  # only the first, real run
    (real,) = _run(store, maintenance)
    assert real.files_vacuumed == 4  # the dry run removed none of them


def test_a_negative_retention_is_a_usage_error() -> None:
    store, maintenance, _ = _lake(1)
    with pytest.raises(ConfigurationError, match="0 or more"):
        _run(store, maintenance, retain_hours=-1, force=True)
