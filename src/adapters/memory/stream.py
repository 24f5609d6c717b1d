"""``InMemoryTopic``: a Kafka topic and a streaming checkpoint in memory, for tests of the
stream's guarantees without a broker (the Spark adapter is held to the same on a real one).

Like Spark's checkpoint, the topic plans a micro-batch (its id and its records) before
handing it over and records it done only after ``handle`` returns: a failure in between
hands the same records under the same id on the next ``run``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lakecore.stream import KEY_BYTES, NOT_UTF8, RECORD, VALUE_BYTES, MicroBatch, Stream

Rows = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    topic: str
    partition: int
    offset: int
    timestamp: int  # epoch milliseconds
    key: bytes | None
    value: bytes | None


def text(raw: bytes | None) -> str | None:
    """UTF-8 text of ``raw``; None when absent or not UTF-8."""
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decoded(record: KafkaRecord) -> dict[str, Any]:
    """A record as ``MicroBatch`` rows carry it."""
    value = text(record.value)
    return {
        "topic": record.topic,
        "partition": str(record.partition),
        "offset": str(record.offset),
        "timestamp": str(record.timestamp),
        "key": text(record.key),
        "value": value,
        RECORD: f"{record.topic}/{record.partition}/{record.offset}",
        KEY_BYTES: record.key,
        VALUE_BYTES: record.value,
        "_corrupt_record": NOT_UTF8 if record.value is not None and value is None else None,
    }


@dataclass
class InMemoryTopic:
    """Records in arrival order; micro-batches of at most ``per_batch`` of them."""

    per_batch: int = 100
    records: list[KafkaRecord] = field(default_factory=list)
    #: the checkpoint: each planned batch's record range, and the last batch done
    planned: dict[int, tuple[int, int]] = field(default_factory=dict)
    committed: int = -1

    def send(self, topic: str, values: Sequence[tuple[bytes | None, bytes | None]]) -> None:
        """Append ``(key, value)`` records, spread over three partitions by position."""
        for key, value in values:
            partition = len(self.records) % 3
            offset = sum(1 for r in self.records if r.partition == partition)
            self.records.append(KafkaRecord(topic, partition, offset, 0, key, value))

    def run(self, stream: Stream, handle: Callable[[MicroBatch[Rows]], object]) -> None:
        """Hand every batch up to the end of the topic, then return (``--available-now``)."""
        while True:
            batch = self.committed + 1
            if batch not in self.planned:
                start = self.planned[batch - 1][1] if batch else 0
                end = min(start + self.per_batch, len(self.records))
                if start == end:
                    return
                self.planned[batch] = (start, end)
            start, end = self.planned[batch]
            handle(MicroBatch(batch, [decoded(r) for r in self.records[start:end]]))
            self.committed = batch
