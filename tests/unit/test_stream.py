"""The orders stream's guarantees on the in-memory adapters: every record ends in silver
(via bronze) or in the dead-letter table, exactly once, whatever the records and wherever a
run dies. The Spark adapter is held to the same against a real broker (integration)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryReportStore,
    InMemoryTableStore,
    LocalFileLanding,
)
from adapters.memory.faults import CrashingTableStore, SimulatedCrash
from adapters.memory.stream import InMemoryTopic
from lakecore.conform import conform_record
from lakecore.daily import DailyReport, run_daily
from lakecore.errors import ConfigurationError
from lakecore.gate import Gate
from lakecore.merge import dedupe
from lakecore.pipeline import landing_dataset
from lakecore.ports import RunContext, TableStore
from lakecore.stream import KAFKA_FIELDS, Stream, check_position, stream_batch
from lakecore.testing import Content, lake_content
from lakecore.testing.strategies import event_values, hostile_values
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate

STREAM = lh.ORDERS_STREAM
RUN = RunContext("stream-1", date(2026, 11, 29), datetime(2026, 11, 29, 12))
keys = st.none() | st.binary(max_size=8)


def _stream(topic: InMemoryTopic, store: TableStore[Any], run: RunContext = RUN) -> None:
    def handle(batch: Any) -> None:
        stream_batch(batch, stream=STREAM, pipeline=lh.PIPELINE, store=store,
                     engine=InMemoryEngine(), run=run, progress=lambda *_, **__: None)  # fmt: skip

    topic.run(STREAM, handle)


def _content(store: InMemoryTableStore) -> Content:
    return lake_content(lh.PIPELINE, lambda t: store.exists(t.id), store.read)


def _silver_rows(values: list[bytes]) -> list[dict[str, Any]]:
    """What the batch path makes of these values: conformed, one row per key."""
    rows = [
        conform_record({"value": v.decode(), "_corrupt_record": None}, STREAM.conform)[0]
        for v in values
    ]
    merge = lh.PIPELINE.merges[lh.ORDERS.id]
    return dedupe([{c: r[c] for c in lh.ORDERS.business_columns} for r in rows], merge)


def _business(rows: list[dict[str, Any]]) -> Counter[str]:
    return Counter(repr(sorted((c, r[c]) for c in lh.ORDERS.business_columns)) for r in rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    valid=st.lists(st.tuples(keys, event_values(STREAM.conform)), max_size=25),
    hostile=st.lists(st.tuples(keys, hostile_values(STREAM.conform)), max_size=25),
    per_batch=st.integers(1, 12),
    data=st.data(),
)
def test_every_record_lands_in_silver_or_the_dead_letters_exactly_once(
    valid: list[tuple[bytes | None, bytes]],
    hostile: list[tuple[bytes | None, bytes | None]],
    per_batch: int,
    data: st.DataObject,
) -> None:
    sent = data.draw(st.permutations([*valid, *hostile]))
    topic, store = InMemoryTopic(per_batch=per_batch), InMemoryTableStore()
    topic.send(STREAM.topic, sent)
    _stream(topic, store)

    dead = store.read(STREAM.dead_letters) if store.exists(STREAM.dead_letters.id) else []
    bronze = store.read(STREAM.dataset.bronze) if store.exists(STREAM.dataset.bronze.id) else []
    assert len(bronze) + len(dead) == len(sent)
    assert len(dead) == len(hostile)
    assert Counter(r["value"] for r in dead) == Counter(v for _, v in hostile)
    assert Counter(r["key"] for r in dead) == Counter(k for k, _ in hostile)
    assert all(r["reason"] for r in dead)
    silver = store.read(lh.ORDERS) if store.exists(lh.ORDERS.id) else []
    assert _business(silver) == _business(_silver_rows([v for _, v in valid]))
    assert all(r["source"] == "kafka" for r in silver)
    by_place = {(r.topic, r.partition, r.offset): r for r in topic.records}
    for row in dead:
        record = by_place[(row["topic"], int(row["partition"]), int(row["offset"]))]
        assert (record.key, record.value) == (row["key"], row["value"])


def _events(n: int, bad_every: int = 4) -> list[tuple[bytes | None, bytes | None]]:
    out: list[tuple[bytes | None, bytes | None]] = []
    for i in range(n):
        event = {"order_id": f"ORD-{i % 17}", "customer_id": "C-1",
                 "event_ts": f"2026-11-29T10:{i % 60:02d}:00Z", "currency": "EUR",
                 "amount": f"{i}.50", "status": "PAID", "sku": "SKU-1"}  # fmt: skip
        value = json.dumps(event).encode()
        out.append((b"k%d" % i, b"\xff" + value if i % bad_every == 0 else value))
    return out


def test_a_stream_killed_after_any_write_is_repaired_by_starting_again() -> None:
    events = _events(40)
    reference_topic, reference = InMemoryTopic(per_batch=9), InMemoryTableStore()
    reference_topic.send(STREAM.topic, events)
    counting = CrashingTableStore(reference)
    _stream(reference_topic, counting)
    expected = _content(reference)
    assert len(counting.writes) == 3 * 5  # dead letters, bronze, silver per batch
    for crash_after in range(1, len(counting.writes) + 1):
        topic, store = InMemoryTopic(per_batch=9), InMemoryTableStore()
        topic.send(STREAM.topic, events)
        with pytest.raises(SimulatedCrash):
            _stream(topic, CrashingTableStore(store, crash_after=crash_after))
        _stream(topic, store)  # the restart: same checkpoint, the unfinished batch again
        assert _content(store) == expected, f"crash after write {crash_after}"


def test_a_daily_run_does_not_take_the_streams_bronze_rows_again(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    generate(GenerateOptions(landing, 200, seed=3, dirty=0.0, business_date=RUN.proc_date))
    topic, store = InMemoryTopic(per_batch=10), InMemoryTableStore()
    topic.send(STREAM.topic, _events(30, bad_every=1000))
    _stream(topic, store)
    streamed = store.read(lh.ORDERS)

    def daily(on: InMemoryTableStore) -> DailyReport:
        return run_daily(
            pipeline=lh.PIPELINE, landing=LocalFileLanding(landing), store=on,
            engine=InMemoryEngine(),
            gate=Gate(InMemoryGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1),
            run=RunContext("daily-1", RUN.proc_date, datetime(2026, 11, 29, 13)),
            progress=lambda *_, **__: None,
        )  # fmt: skip

    report = daily(store)
    alone = InMemoryTableStore()
    daily(alone)
    merged = next(w for w in report.writes if w.table == lh.ORDERS.id)
    assert merged.rows_inserted == len(alone.read(lh.ORDERS))
    assert len(store.read(lh.ORDERS)) == len(streamed) + len(alone.read(lh.ORDERS))


def test_a_stream_must_read_the_bronze_table_its_conform_spec_reads() -> None:
    other = landing_dataset("kafka", "other_events", "jsonl", KAFKA_FIELDS)
    with pytest.raises(ConfigurationError, match="conform spec reads"):
        Stream("orders", "t", other, STREAM.conform)
    with pytest.raises(ConfigurationError, match="Kafka fields"):
        Stream("x", "t", lh.FX_LANDING, STREAM.conform)
    with pytest.raises(ConfigurationError, match="invalid table name"):
        Stream("x", "9 lives", STREAM.dataset, STREAM.conform)
    assert str(STREAM.dead_letters.id) == "_dlq.orders_events"
    with pytest.raises(ConfigurationError, match="no stream 'nope'"):
        lh.PIPELINE.stream("nope")
    assert set(KAFKA_FIELDS) <= set(STREAM.dataset.fields)


def test_a_checkpoint_behind_the_tables_is_refused_before_anything_is_read() -> None:
    topic, store = InMemoryTopic(per_batch=5), InMemoryTableStore()
    topic.send(STREAM.topic, _events(20))
    _stream(topic, store)  # batches 0..3
    check_position(STREAM, pipeline=lh.PIPELINE, store=store, finished=3)
    check_position(STREAM, pipeline=lh.PIPELINE, store=store, finished=2)  # 3 wrote, then died
    with pytest.raises(ConfigurationError, match="up to 3; restore the checkpoint"):
        check_position(STREAM, pipeline=lh.PIPELINE, store=store, finished=1)
    with pytest.raises(ConfigurationError, match="has no finished batch"):
        check_position(STREAM, pipeline=lh.PIPELINE, store=store, finished=None)
    check_position(STREAM, pipeline=lh.PIPELINE, store=InMemoryTableStore(), finished=None)
