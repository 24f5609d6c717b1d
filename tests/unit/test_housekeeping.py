"""Housekeeping's rules on the in-memory store: compaction keeps every row, VACUUM below a
week is refused unless forced, a dry run changes nothing, every run is logged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryMaintenance,
    InMemoryReportStore,
    InMemoryTableStore,
    LocalFileLanding,
)
from lakecore.daily import run_daily
from lakecore.errors import ConfigurationError
from lakecore.gate import Gate
from lakecore.maintenance import FORCE_FLAG, MAINTENANCE_LOG, housekeeping, restore
from lakecore.ports import RunContext
from lakecore.schema import LONG, Column, Layer, TableId, TableSpec
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate

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


# --- restore ---------------------------------------------------------------------------------


def _daily(store: InMemoryTableStore, landing: Path, n: int) -> None:
    run_daily(
        pipeline=lh.PIPELINE,
        landing=LocalFileLanding(landing),
        store=store,
        engine=InMemoryEngine(),
        gate=Gate(InMemoryGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext(f"run-{n}", date(2026, 11, 28), datetime(2026, 11, 28, 6, n)),
        progress=lambda step, **facts: None,
    )


def _facts(rows: list[dict[str, object]]) -> list[str]:
    return sorted(repr(sorted((k, v) for k, v in r.items() if not k.startswith("_"))) for r in rows)


def test_restoring_silver_rolls_back_a_day_and_the_next_run_rebuilds_gold_from_it(
    tmp_path: Path,
) -> None:
    store = InMemoryTableStore()
    landing_1 = tmp_path / "landing-1"
    generate(GenerateOptions(landing_1, 400, seed=1, dirty=0.0, business_date=date(2026, 11, 27)))
    _daily(store, landing_1, 1)
    day_1 = store.version(lh.ORDERS.id)
    gold_day_1 = _facts(store.read(lh.FACT_ORDERS))
    landing_2 = tmp_path / "landing-2"
    generate(GenerateOptions(landing_2, 400, seed=2, dirty=0.0, business_date=date(2026, 11, 28)))
    _daily(store, landing_2, 2)
    assert _facts(store.read(lh.FACT_ORDERS)) != gold_day_1
    maintenance = InMemoryMaintenance(store)

    done = restore(lh.ORDERS, maintenance=maintenance, store=store, version=day_1,
                   progress=lambda step, **facts: None)  # fmt: skip

    assert done.version == done.previous + 1
    assert store.read(lh.ORDERS) == store.read(lh.ORDERS, day_1)
    _daily(store, landing_2, 3)  # nothing new lands: day 2's batch is not applied again
    assert store.read(lh.ORDERS) == store.read(lh.ORDERS, day_1)
    assert _facts(store.read(lh.FACT_ORDERS)) == gold_day_1


def test_restore_outside_the_history_or_without_a_target_is_refused() -> None:
    store, maintenance, _ = _lake(3)  # versions 0..2
    quiet = {"progress": lambda step, **facts: None}
    with pytest.raises(ConfigurationError, match="can be restored to versions 0 to 1, not 7"):
        restore(EVENTS, maintenance=maintenance, store=store, version=7, **quiet)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="exactly one of --version and --timestamp"):
        restore(EVENTS, maintenance=maintenance, store=store, **quiet)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="can be restored to a time from"):
        restore(EVENTS, maintenance=maintenance, store=store,
                timestamp=datetime(2020, 1, 1), **quiet)  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(ConfigurationError, match="has no data"):
        restore(OTHER, maintenance=maintenance, store=store, version=0, **quiet)  # type: ignore[arg-type]
    assert store.version(EVENTS.id) == 2
