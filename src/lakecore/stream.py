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
    RAW_REASON,
    Engine,
    F,
    LandingDataset,
    Marker,
    Progress,
    RunContext,
    TableStore,
    WriteResult,
)
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


def stream_app(stream: Stream, pipeline: Pipeline) -> str:
    """The marker a stream's writes carry (with the micro-batch id as its version)."""
    return pipeline.app(f"stream/{stream.name}")


def check_position(
    stream: Stream, *, pipeline: Pipeline, store: TableStore[F], finished: int | None
) -> None:
    """Refuse to start when the tables hold batches the checkpoint does not know of.

    ``finished`` is the last batch the checkpoint records as done (None: none). Batch ids
    then restart below what the markers hold, and those batches' writes would be skipped:
    their records lost. One batch past ``finished`` is fine: a crash after its writes and
    before the checkpoint recorded it.
    """
    app = stream_app(stream, pipeline)
    tables = (stream.dead_letters, stream.dataset.bronze, stream.silver)
    marks = [m for t in tables if store.exists(t.id) and (m := store.marker(t.id, app)) is not None]
    last = -1 if finished is None else finished
    if marks and max(marks) > last + 1:
        where = "has no finished batch" if finished is None else f"ends at batch {finished}"
        raise ConfigurationError(
            f"stream {stream.name}: the checkpoint {where}, but the tables hold its batches up "
            f"to {max(marks)}; restore the checkpoint (a new one would skip new records)"
        )


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
    marker = Marker(stream_app(stream, pipeline), batch.id)
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
    conformed = engine.conform(records, stream.conform, run, keep_raw=True)
    if conformed.raw is None:
        raise ConfigurationError(f"{type(engine).__name__} does not keep raw rows (keep_raw)")
    try:
        refused = engine.where_not_equal(conformed.raw, RAW_REASON, None)
        dead = engine.with_constants(
            engine.project(refused, _DEAD_LETTER_FIELDS),
            {
                "_run_id": run.run_id,
                "_batch": batch.id,
                "_dead_lettered_at": run.started_at,
                "_proc_date": run.proc_date,
            },
        )
        taken = engine.project(
            engine.where_equal(conformed.raw, RAW_REASON, None),
            tuple((c, c) for c in bronze.column_names),
        )
        writes = (
            store.append(stream.dead_letters, dead, marker),
            store.append(bronze, taken, marker),
            store.merge(stream.silver, conformed.valid, pipeline.merges[stream.silver.id], marker),
        )
        # The appends' own metrics count the records; only a batch handled before is counted.
        refused_count, kept = writes[0].rows_written, writes[1].rows_written
        if writes[0].skipped or writes[1].skipped:
            refused_count, kept = engine.count(refused), engine.count(taken)
    finally:
        engine.release(conformed.rejected)
    outcome = BatchOutcome(batch.id, kept + refused_count, kept, refused_count, writes)
    progress("stream.written", stream=stream.name, batch=batch.id, records=outcome.records,
             valid=kept, dead_lettered=refused_count,
             skipped=all(w.skipped for w in writes))  # fmt: skip
    return outcome


_DEAD_LETTER_FIELDS = (
    ("topic", "topic"),
    ("partition", "partition"),
    ("offset", "offset"),
    ("kafka_timestamp", "timestamp"),
    ("key", KEY_BYTES),
    ("value", VALUE_BYTES),
    ("reason", RAW_REASON),
)
