"""A Kafka topic feeding silver micro-batch by micro-batch: never a record lost, never one
written twice, never a stop on a malformed one.

A ``Stream`` names its topic, the landing dataset whose bronze table its records join and
the conform spec that turns them into silver rows: the batch path's own, so a record is
judged the same whichever way it arrived. A ``StreamSource`` hands over micro-batches,
each with an id that a restart gives again to the same records (Spark's checkpoint);
``stream_batch`` writes one:

1. records that cannot be conformed go to the stream's dead-letter table, whole (the key
   and value bytes, topic, partition, offset, Kafka timestamp) with the reasons, in the
   vocabulary of ``silver.quarantine``;
2. the others are appended to bronze as text with their lineage, ``_source_file`` being
   ``<topic>/<partition>/<offset>``;
3. and MERGEd into the silver table on its keys.

Each write carries the marker ``(<pipeline>/stream/<name>, batch id)``: a batch handled
again after a crash skips the writes that committed and makes the rest. Stream rows in
bronze have no ``_batch`` (that numbers the daily runs' appends), so a daily run never
consumes them a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, Protocol

from lakecore.conform import ConformSpec
from lakecore.errors import ConfigurationError
from lakecore.ports import (
    Engine,
    F,
    LandingDataset,
    Marker,
    Progress,
    RunContext,
    TableStore,
    WriteResult,
)
from lakecore.relational import JoinKind
from lakecore.schema import BINARY, DATE, LONG, TIMESTAMP, Column, Layer, TableId, TableSpec

if TYPE_CHECKING:
    from lakecore.pipeline import Pipeline

#: The fields of a Kafka record, as text, as bronze holds them (the landing files' too).
KAFKA_FIELDS = ("topic", "partition", "offset", "timestamp", "key", "value")
#: What a stream source adds to each record: where it is (``<topic>/<partition>/<offset>``)
#: and its key and value as the broker holds them.
RECORD, KEY_BYTES, VALUE_BYTES = "_source_file", "_key_bytes", "_value_bytes"
#: ``_corrupt_record`` of a record whose value is not UTF-8 text.
NOT_UTF8 = "value is not UTF-8 text"


def dead_letter_table(name: str) -> TableSpec:
    """``_dlq.<name>``: records a stream could not take, as they arrived, with why.
    Partitioned by the processing date and the reasons."""
    return TableSpec(
        TableId(Layer.DEAD_LETTER, name),
        columns=(
            Column("topic", nullable=False),
            Column("partition", LONG, nullable=False),
            Column("offset", LONG, nullable=False),
            Column("kafka_timestamp", LONG),  # epoch milliseconds, as the broker has it
            Column("key", BINARY),
            Column("value", BINARY),
            Column("reason", nullable=False),
            Column("_run_id"),
            Column("_batch", LONG),
            Column("_dead_lettered_at", TIMESTAMP),
            Column("_proc_date", DATE),
        ),
        keys=("topic", "partition", "offset"),
        partition_by=("_proc_date", "reason"),
        description=f"Records of the {name} stream that could not be conformed, with the reasons.",
    )


@dataclass(frozen=True, slots=True)
class Stream:
    """A topic, the bronze table of ``dataset`` its records join, and how ``conform`` makes
    them silver rows. ``name`` is what the command line calls it (``lakecore stream
    orders``); its dead letters and checkpoint are named after the topic whose records they
    hold (``_dlq/orders_events``). Raises ``ConfigurationError`` when the parts do not fit.
    """

    name: str
    topic: str
    dataset: LandingDataset
    conform: ConformSpec

    def __post_init__(self) -> None:
        missing = [f for f in KAFKA_FIELDS if f not in self.dataset.fields]
        if missing:
            raise ConfigurationError(
                f"stream {self.name}: {self.dataset.bronze.id} lacks Kafka fields {missing}"
            )
        if self.conform.source != self.dataset.bronze.id:
            raise ConfigurationError(
                f"stream {self.name}: its conform spec reads {self.conform.source}, "
                f"not {self.dataset.bronze.id}"
            )
        # The dead-letter table's name is checked like any table name.
        dead_letter_table(self.folder)

    @property
    def folder(self) -> str:
        """The topic as a folder name: lower case, ``.`` and ``-`` as ``_``."""
        return self.topic.lower().replace(".", "_").replace("-", "_")

    @property
    def dead_letters(self) -> TableSpec:
        return dead_letter_table(self.folder)

    @property
    def silver(self) -> TableSpec:
        return self.conform.target


@dataclass(frozen=True, slots=True)
class MicroBatch(Generic[F]):
    """Records of one micro-batch: ``KAFKA_FIELDS`` as text, ``RECORD``, ``KEY_BYTES``,
    ``VALUE_BYTES`` and ``_corrupt_record`` (``NOT_UTF8`` or null). A restart gives the same
    ``id`` to the same records."""

    id: int
    records: F


class StreamSource(Protocol[F]):
    """Unbounded records with offsets: hands micro-batches to ``handle`` in order.

    A failure in ``handle`` stops the stream and is raised again by ``run``; the batch it
    was handling comes again, under the same id, when the stream restarts.
    """

    def run(self, stream: Stream, handle: Callable[[MicroBatch[F]], object]) -> None: ...


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one micro-batch did: records in, conformed, dead-lettered, and the writes."""

    batch: int
    records: int
    valid: int
    dead_lettered: int
    writes: tuple[WriteResult, ...]


def stream_batch(
    batch: MicroBatch[F],
    *,
    stream: Stream,
    pipeline: Pipeline,
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
    progress: Progress,
) -> BatchOutcome:
    """Dead-letter, append to bronze and MERGE into silver one micro-batch, each write
    marked ``(app, batch.id)``: handling the same batch again writes nothing twice."""
    run = replace(run, batch=batch.id)
    marker = Marker(pipeline.app(f"stream/{stream.name}"), batch.id)
    bronze = stream.dataset.bronze
    lineage = {
        "_source_checksum": None,
        "_batch": None,
        "_source": stream.dataset.source,
        "_run_id": run.run_id,
        "_ingested_at": run.started_at,
        "_proc_date": run.proc_date,
    }
    records = engine.with_constants(batch.records, lineage)
    conformed = engine.conform(records, stream.conform, run)
    try:
        refused = engine.project(conformed.rejected, ((RECORD, RECORD), ("reason", "reason")))
        dead = engine.with_constants(
            engine.project(engine.join(records, refused, (RECORD,)), _DEAD_LETTER_FIELDS),
            {
                "_run_id": run.run_id,
                "_batch": batch.id,
                "_dead_lettered_at": run.started_at,
                "_proc_date": run.proc_date,
            },
        )
        taken = engine.project(
            engine.join(records, refused, (RECORD,), JoinKind.ANTI),
            tuple((c, c) for c in bronze.column_names),
        )
        total, refused_count = engine.count(records), engine.count(refused)
        writes = (
            store.append(stream.dead_letters, dead, marker),
            store.append(bronze, taken, marker),
            store.merge(stream.silver, conformed.valid, pipeline.merges[stream.silver.id], marker),
        )
    finally:
        engine.release(conformed.rejected)
    outcome = BatchOutcome(batch.id, total, total - refused_count, refused_count, writes)
    progress("stream.written", stream=stream.name, batch=batch.id, records=total,
             valid=outcome.valid, dead_lettered=refused_count,
             skipped=all(w.skipped for w in writes))  # fmt: skip
    return outcome


_DEAD_LETTER_FIELDS = (
    ("topic", "topic"),
    ("partition", "partition"),
    ("offset", "offset"),
    ("kafka_timestamp", "timestamp"),
    ("key", KEY_BYTES),
    ("value", VALUE_BYTES),
    ("reason", "reason"),
)
