"""The sensors pipeline on lakecore's memory engine: properties over generated readings."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sensors
import sensors.landing
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryLandingSource,
    InMemoryReportStore,
    InMemoryTableStore,
)
from adapters.memory.faults import CrashingTableStore, SimulatedCrash
from lakecore import Gate, RunContext, conform_record, dedupe, run_daily
from lakecore.testing import bad_records, lake_content, records

DAY = date(2026, 11, 27)
READINGS_SPEC, SENSORS_SPEC = sensors.CONFORM


def _run(store: Any, landing: InMemoryLandingSource, n: int = 0) -> None:
    run_daily(
        pipeline=sensors.PIPELINE,
        landing=landing,
        store=store,
        engine=InMemoryEngine(),
        gate=Gate(InMemoryGate(), InMemoryReportStore(), sensors.SUITES, quarantine_threshold=1.0),
        run=RunContext(f"run-{n}", DAY, datetime(2026, 11, 27, 12, n)),
        progress=lambda step, **facts: None,
    )


def _landing(
    readings: list[dict[str, Any]], registry: list[dict[str, Any]]
) -> InMemoryLandingSource:
    return InMemoryLandingSource(
        {
            "meters/readings": {"meters/readings/readings-20261127.csv": readings},
            "registry/sensors": {"registry/sensors/sensors-20261127.jsonl": registry},
        }
    )


def _expected_daily(
    raw: list[dict[str, Any]], sites: dict[str, str]
) -> dict[tuple[str, date], tuple[Any, ...]]:
    """Gold, computed the plain way: valid readings, one per sensor and instant, per day."""
    valid = [row for r in raw if not (conformed := conform_record(r, READINGS_SPEC))[1]
             for row in [conformed[0]]]  # fmt: skip
    kept = dedupe(valid, sensors.MERGES[sensors.READINGS.id])
    days: dict[tuple[str, date], list[Decimal]] = defaultdict(list)
    for row in kept:
        days[row["sensor_id"], row["ts"].date()].append(row["value"])
    return {
        key: (sites.get(key[0]), len(vs), min(vs), max(vs), sum(vs)) for key, vs in days.items()
    }


sensor_ids = st.sampled_from(["S-0001", "S-0002", "S-0003"])
registry = st.lists(
    st.fixed_dictionaries(
        {"sensor_id": sensor_ids, "site": st.sampled_from(["a", "b"]), "kind": st.just("temp")}
    ),
    max_size=3,
    unique_by=lambda r: r["sensor_id"],
)
readings = st.lists(records(READINGS_SPEC), max_size=40)
bad = st.lists(
    st.one_of(*(bad_records(READINGS_SPEC, rule) for rule in READINGS_SPEC.rules)), max_size=5
)


@settings(max_examples=60, deadline=None)
@given(good=readings, broken=bad, entries=registry)
def test_gold_is_the_daily_statistics_of_the_valid_readings(
    good: list[dict[str, Any]], broken: list[dict[str, Any]], entries: list[dict[str, Any]]
) -> None:
    store = InMemoryTableStore()
    _run(store, _landing(good + broken, entries))
    sites = {e["sensor_id"]: e["site"] for e in entries}
    daily = {
        (r["sensor_id"], r["day"]): (r["site"], r["readings"], r["min_value"], r["max_value"],
                                     r["total_value"])
        for r in (store.read(sensors.DAILY) if store.exists(sensors.DAILY.id) else [])
    }  # fmt: skip
    assert daily == _expected_daily(good + broken, sites)
    quarantined = store.read(sensors.QUARANTINE) if store.exists(sensors.QUARANTINE.id) else []
    assert len([q for q in quarantined if q["table"] == str(sensors.READINGS.id)]) == len(broken)


@pytest.mark.parametrize("crash_after", range(1, 7))  # 2 appends, 1 quarantine, 2 merges, 1 gold
def test_a_crashed_run_is_repaired_by_running_again(crash_after: int) -> None:
    landing = _landing(*_day())
    reference = InMemoryTableStore()
    _run(reference, landing)
    store = InMemoryTableStore()
    with pytest.raises(SimulatedCrash):
        _run(CrashingTableStore(store, crash_after), landing)
    _run(store, landing, 1)

    def content(s: InMemoryTableStore) -> Any:
        return lake_content(sensors.PIPELINE, lambda t: s.exists(t.id), s.read)

    assert content(store) == content(reference)


def _day() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    readings, registry = sensors.landing.sample(DAY, sensors=3, per_sensor=6)
    return [dict(r) for r in readings], [dict(r) for r in registry]
