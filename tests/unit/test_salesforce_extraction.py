"""Incremental Salesforce extraction misses nothing and duplicates nothing.

A hypothesis state machine changes records in the fake org (inserts, updates, deletions,
records that become visible late with a stamp up to the look-back behind, changes made
while an extraction pages through the results), injects faults (HTTP 5xx, request limits,
reset connections, expired sessions), crashes runs after any bronze or silver write, and
runs the daily pipeline with the real ``SalesforceSource`` (simple-salesforce over HTTPS)
into the memory lake. Whenever the org is quiet and a run completes, silver holds exactly
the org's records at their newest version, and bronze holds every version it saw once.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryReportStore,
    InMemoryTableStore,
    LocalFileLanding,
)
from adapters.memory.faults import CrashingTableStore, SimulatedCrash
from lakecore.daily import DailyReport, run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext, TableStore
from pipelines import orders as lh
from tests.conftest import ServedSalesforce
from tests.fakes.salesforce import FAULTS

LOOKBACK = timedelta(minutes=5)
OBJECTS = {"Account": lh.ACCOUNTS, "Lead": lh.LEADS}
BRONZE = {"Account": lh.ACCOUNTS_LANDING.bronze, "Lead": lh.LEADS_LANDING.bronze}
KEY = {"Account": "account_id", "Lead": "lead_id"}
NAME = {"Account": ("Name", "name"), "Lead": ("LastName", "last_name")}


def daily(landing: Path, store: TableStore[Any], source: Any, n: int, at: datetime) -> DailyReport:
    day = at.date()
    return run_daily(
        pipeline=lh.PIPELINE,
        landing=LocalFileLanding(landing),
        store=store,
        engine=InMemoryEngine(),
        gate=Gate(InMemoryGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext(f"run-{n}", day, at.replace(tzinfo=None)),
        progress=lambda step, **facts: None,
        sources={"salesforce": source},
    )


def silver_matches_org(store: InMemoryTableStore, served: ServedSalesforce) -> None:
    for obj, table in OBJECTS.items():
        org = served.fake.current(obj)
        rows = store.read(table) if store.exists(table.id) else []
        key = KEY[obj]
        counts = Counter(r[key] for r in rows)
        assert [k for k, n in counts.items() if n > 1] == [], f"{obj}: duplicated in silver"
        assert set(counts) == set(org), f"{obj}: silver and the org differ in records"
        field, column = NAME[obj]
        for row in rows:
            record = org[row[key]]
            assert row[column] == record[field], f"{obj} {row[key]}: not the newest version"
            assert row["is_deleted"] is record["IsDeleted"]
            stamp = datetime.fromisoformat(record["SystemModstamp"].replace("+0000", "+00:00"))
            assert row["modified_at"] == stamp.replace(tzinfo=None)


def bronze_holds_each_version_once(store: InMemoryTableStore) -> None:
    for obj, table in BRONZE.items():
        if not store.exists(table.id):
            continue
        versions = Counter((r["Id"], r["SystemModstamp"]) for r in store.read(table))
        assert [v for v, n in versions.items() if n > 1] == [], f"{obj}: a version twice in bronze"


class Extractions(RuleBasedStateMachine):
    served: ServedSalesforce
    landing: Path

    @initialize(chunk=st.sampled_from([3, 7, 50]), page=st.sampled_from([2, 5, 200]))
    def start(self, chunk: int, page: int) -> None:
        self.served.fake.reset()
        self.served.fake.page_size = page
        self.store = InMemoryTableStore()
        self.source = self.served.source(lookback=LOOKBACK, chunk_records=chunk)
        self.runs = 0
        self.ids: dict[str, list[str]] = {obj: [] for obj in OBJECTS}

    # --- the org changes ----------------------------------------------------------------------

    def _change(self, rng: random.Random, obj: str, *, late: bool) -> None:
        fake = self.served.fake
        at = fake.now - timedelta(seconds=rng.randrange(0, 290)) if late else None
        ids = self.ids[obj]
        field = NAME[obj][0]
        if ids and rng.random() < 0.5:
            record = rng.choice(ids)
            if rng.random() < 0.2:
                fake.delete(obj, record)
            else:
                fake.upsert(obj, {field: f"v{rng.randrange(10**6)}"}, record_id=record, at=at)
        else:
            ids.append(fake.upsert(obj, {field: f"n{rng.randrange(10**6)}"}, at=at))

    @rule(
        obj=st.sampled_from(sorted(OBJECTS)),
        n=st.integers(1, 12),
        late=st.booleans(),
        seed=st.integers(0, 2**16),
        seconds=st.sampled_from([0, 0, 0.3, 1, 30]),
    )
    def change(self, obj: str, n: int, late: bool, seed: int, seconds: float) -> None:
        rng = random.Random(seed)
        for _ in range(n):
            self._change(rng, obj, late=late and rng.random() < 0.5)
        self.served.fake.tick(seconds)

    @rule(n=st.integers(1, 6), seed=st.integers(0, 2**16))
    def while_paging(self, n: int, seed: int) -> None:
        """The next extraction sees changes land between its pages (late ones too)."""
        rng = random.Random(seed)
        fake = self.served.fake

        def concurrent() -> None:
            fake.tick(0.2)
            self._change(rng, rng.choice(sorted(OBJECTS)), late=rng.random() < 0.5)

        remaining = [n]

        def hook() -> None:
            if remaining[0] > 0:
                remaining[0] -= 1
                concurrent()

        fake.on_page = hook

    @rule(fault=st.sampled_from(FAULTS))
    def fail_a_call(self, fault: str) -> None:
        """Fewer faults in a row than the source's attempts, so a run gets through."""
        pending = self.served.fake.faults
        if len(pending) < 3 and not (fault == "expire" and "expire" in pending):
            pending.append(fault)

    # --- runs -----------------------------------------------------------------------------------

    def _run(self, store: TableStore[Any]) -> DailyReport:
        self.runs += 1
        self.served.fake.tick(1)
        return daily(self.landing, store, self.source, self.runs, self.served.fake.now)

    @rule()
    def run(self) -> None:
        self._run(self.store)
        bronze_holds_each_version_once(self.store)

    @rule(after=st.integers(0, 6))
    def crash(self, after: int) -> None:
        crashing = CrashingTableStore(self.store, crash_after=after)
        with contextlib.suppress(SimulatedCrash):
            self._run(crashing)
        bronze_holds_each_version_once(self.store)

    @rule()
    def quiet_run(self) -> None:
        """With the org quiet and no faults pending, one run brings silver level with it."""
        self.served.fake.on_page = None
        self.served.fake.faults.clear()
        self._run(self.store)
        silver_matches_org(self.store, self.served)
        bronze_holds_each_version_once(self.store)

    def teardown(self) -> None:
        self.served.fake.on_page = None
        self.served.fake.faults.clear()


@pytest.mark.slow
def test_incremental_extraction_misses_and_duplicates_nothing(
    salesforce: ServedSalesforce, tmp_path: Path
) -> None:
    Extractions.served = salesforce
    Extractions.landing = tmp_path
    machine = Extractions.TestCase
    machine.settings = settings(
        max_examples=20,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    machine().runTest()
