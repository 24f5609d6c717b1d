"""Runs recover from any crash or failed gate: on the memory engine, a run is stopped after
every single write it makes, then run again; the lake must end as an uninterrupted run
leaves it. A stateful test interleaves new landing days, runs and crashes."""

from __future__ import annotations

import contextlib
import copy
import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from adapters.memory import (
    InMemoryTableStore,
    LocalFileLanding,
)
from adapters.memory.faults import CrashingTableStore, SimulatedCrash
from lakecore.daily import DailyReport
from lakecore.errors import QualityGateFailed
from lakecore.ports import RunContext, TableStore
from lakecore.testing import Content, lake_content
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.memory import run_on

DAY = date(2026, 11, 27)


def _day(root: Path, day: date, *, rows: int = 300, seed: int = 1, dirty: float = 0.05) -> Path:
    generate(GenerateOptions(root, rows, seed=seed, dirty=dirty, business_date=day))
    return root


def _run(
    landing: Path,
    store: TableStore[Any],
    day: date,
    *,
    threshold: float = 1.0,
    n: int = 0,
) -> DailyReport:
    run = RunContext(
        f"run-{day}-{n}", day, datetime.combine(day, datetime.min.time()) + timedelta(minutes=n)
    )
    return run_on(landing, store, run=run, threshold=threshold)


def snapshot(store: InMemoryTableStore) -> Content:
    return lake_content(lh.PIPELINE, lambda t: store.exists(t.id), store.read)


def _writes_of(landing: Path, store: InMemoryTableStore, day: date) -> int:
    counting = CrashingTableStore(store)
    _run(landing, counting, day)
    return len(counting.writes)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first = _day(tmp_path_factory.mktemp("first"), DAY)
    both = tmp_path_factory.mktemp("both")
    shutil.copytree(first, both, dirs_exist_ok=True)
    _day(both, DAY + timedelta(1), seed=2)
    return first, both


def _reference(two_days: tuple[Path, Path]) -> tuple[InMemoryTableStore, Content]:
    first, both = two_days
    store = InMemoryTableStore()
    _run(first, store, DAY)
    after_first = snapshot(store)
    _run(both, store, DAY + timedelta(1))
    return store, after_first


def test_a_run_killed_after_any_write_is_repaired_by_running_again(
    two_days: tuple[Path, Path],
) -> None:
    first, both = two_days
    reference, after_first = _reference(two_days)
    expected = snapshot(reference)
    writes = _writes_of(first, InMemoryTableStore(), DAY)
    # each bronze append, one quarantine slice, each silver MERGE, gold's slice, each gold table
    pipe = lh.PIPELINE
    assert writes == len(pipe.bronze) + 1 + len(pipe.silver) + 1 + len(pipe.gold_tables)
    for crash_after in range(1, writes + 1):
        store = InMemoryTableStore()
        with pytest.raises(SimulatedCrash):
            _run(first, CrashingTableStore(store, crash_after), DAY)
        _run(first, store, DAY, n=1)
        assert snapshot(store) == after_first, f"first day, crash after write {crash_after}"
        # and the next day still lands exactly as it would have
        _run(both, store, DAY + timedelta(1))
        assert snapshot(store) == expected, f"second day after a crash at {crash_after}"


def test_a_second_day_killed_after_any_write_is_repaired_by_running_again(
    two_days: tuple[Path, Path],
) -> None:
    first, both = two_days
    reference, _ = _reference(two_days)
    expected = snapshot(reference)
    day_one = InMemoryTableStore()
    _run(first, day_one, DAY)
    writes = _writes_of(both, _copy(day_one), DAY + timedelta(1))
    for crash_after in range(1, writes + 1):
        store = _copy(day_one)
        with pytest.raises(SimulatedCrash):
            _run(both, CrashingTableStore(store, crash_after), DAY + timedelta(1))
        report = _run(both, store, DAY + timedelta(1), n=1)
        assert snapshot(store) == expected, f"crash after write {crash_after}"
        assert report.changed == (crash_after < writes)  # after the last write: all done
        # a third run finds nothing to do
        assert not _run(both, store, DAY + timedelta(1), n=2).changed


def _copy(store: InMemoryTableStore) -> InMemoryTableStore:
    return copy.deepcopy(store)


def test_a_day_that_fails_the_gate_changes_nothing_and_passes_with_a_raised_threshold(
    tmp_path: Path,
) -> None:
    landing = _day(tmp_path, DAY, dirty=0.0)
    store = InMemoryTableStore()
    _run(landing, store, DAY, threshold=0.01)
    before = snapshot(store)
    silver_and_gold = {
        str(t.id) for t in (*lh.PIPELINE.silver, lh.QUARANTINE, *lh.PIPELINE.gold_tables)
    }
    _day(landing, DAY + timedelta(1), seed=5, dirty=0.1)
    with pytest.raises(QualityGateFailed, match="quarantine_share"):
        _run(landing, store, DAY + timedelta(1), threshold=0.01)
    failed = snapshot(store)
    assert {t: failed[t] for t in silver_and_gold} == {t: before[t] for t in silver_and_gold}
    # the held-back rows wait in bronze; asking again with the same threshold fails again
    with pytest.raises(QualityGateFailed):
        _run(landing, store, DAY + timedelta(1), threshold=0.01, n=1)
    report = _run(landing, store, DAY + timedelta(1), threshold=0.2, n=2)
    assert all(intake.new == 0 for intake in report.files)  # nothing new landed
    share = next(r for r in report.quality if r.executor == "pipeline")
    assert share.passed
    assert share.results[0].rule == "quarantine_share(<=20.0%)"
    after = snapshot(store)
    assert after[str(lh.FACT_ORDERS.id)] != before[str(lh.FACT_ORDERS.id)]  # gold rebuilt
    # and the lake is what one run over both days with that threshold makes
    fresh = InMemoryTableStore()
    _run(landing, fresh, DAY + timedelta(1), threshold=0.2)
    expected = snapshot(fresh)
    assert {t: after[t] for t in silver_and_gold} == {t: expected[t] for t in silver_and_gold}


def test_a_file_delivered_again_with_other_content_is_ingested_again(tmp_path: Path) -> None:
    first = _day(tmp_path / "first", DAY, rows=200, seed=1)
    second = _day(tmp_path / "second", DAY, rows=200, seed=9)  # same names, other content
    store = InMemoryTableStore()
    _run(first, store, DAY)
    bronze_rows = {t.id: len(store.read(t)) for t in lh.PIPELINE.bronze}
    report = _run(second, store, DAY, n=1)
    for intake in report.files:
        assert intake.new == 0
        assert intake.redelivered >= 1, intake
        assert intake.skipped == 0
    for table in lh.PIPELINE.bronze:
        second_rows = len(LocalFileLanding(second).read(
            next(d for d in lh.LANDING if d.bronze.id == table.id),
            LocalFileLanding(second).list_files(next(d for d in lh.LANDING if d.bronze.id == table.id)),
        ))  # fmt: skip
        assert len(store.read(table)) == bronze_rows[table.id] + second_rows
    # the same folder once more: every file is known by name and content
    again = _run(second, store, DAY, n=2)
    assert not again.changed
    assert all(i.new == i.redelivered == 0 and i.skipped >= 1 for i in again.files)


def test_every_bronze_record_is_in_silver_or_quarantined_exactly_once(tmp_path: Path) -> None:
    from lakecore.conform import conform_record
    from lakecore.merge import key_of

    landing = _day(tmp_path, DAY, rows=600, dirty=0.1)
    store = InMemoryTableStore()
    _run(landing, store, DAY)
    quarantine = store.read(lh.QUARANTINE)
    for spec in lh.CONFORM:
        bronze = store.read(lh.PIPELINE.bronze_of(spec))
        valid = [row for raw in bronze if not (conformed := conform_record(raw, spec))[1]
                 for row in [conformed[0]]]  # fmt: skip
        rejected = [q for q in quarantine if q["source_table"] == str(spec.source)]
        assert len(valid) + len(rejected) == len(bronze), spec.source
        merge = lh.SILVER_MERGE[spec.target.id]
        silver_keys = {key_of(r, merge) for r in store.read(spec.target)}
        assert {key_of(r, merge) for r in valid} <= silver_keys


class CrashingRuns(RuleBasedStateMachine):
    """New landing days, runs that may be killed after any write, and runs to completion:
    after every completed run, the lake equals one run over everything that has landed."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(self._tmp.mktemp("landing"))
        self.store = InMemoryTableStore()
        self.days: list[date] = []
        self.runs = 0

    _tmp: pytest.TempPathFactory

    @initialize(rows=st.integers(20, 120), seed=st.integers(0, 50))
    def first_day(self, rows: int, seed: int) -> None:
        self._land(rows, seed)

    @rule(rows=st.integers(20, 120), seed=st.integers(0, 50))
    def another_day(self, rows: int, seed: int) -> None:
        self._land(rows, seed)

    @rule(crash_after=st.integers(1, 20))
    def killed_run(self, crash_after: int) -> None:
        with contextlib.suppress(SimulatedCrash):
            self._run(CrashingTableStore(self.store, crash_after))

    @rule()
    def completed_run(self) -> None:
        self._run(self.store)
        fresh = InMemoryTableStore()
        self._run(fresh)
        assert snapshot(self.store) == snapshot(fresh)

    @precondition(lambda self: self.runs > 0)
    @invariant()
    def bronze_never_holds_a_file_twice(self) -> None:
        for table in lh.PIPELINE.bronze:
            if self.store.exists(table.id):
                per_file = Counter((r["_source_file"], r["_source_checksum"], r["_batch"])
                                   for r in self.store.read(table))  # fmt: skip
                files = Counter((path, checksum) for path, checksum, _ in per_file)
                assert max(files.values(), default=1) == 1

    def _land(self, rows: int, seed: int) -> None:
        day = DAY + timedelta(len(self.days))
        _day(self.root, day, rows=rows, seed=seed, dirty=0.1)
        self.days.append(day)

    def _run(self, store: TableStore[Any]) -> None:
        self.runs += 1
        _run(self.root, store, self.days[-1], n=self.runs)


@pytest.mark.slow
def test_runs_crashes_and_new_days_interleaved(tmp_path_factory: pytest.TempPathFactory) -> None:
    CrashingRuns._tmp = tmp_path_factory
    machine = CrashingRuns.TestCase
    machine.settings = settings(
        max_examples=12,
        stateful_step_count=8,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine().runTest()
