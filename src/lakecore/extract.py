"""Pull a system's records into bronze, each chunk in one commit with the source's cursor.

A ``Source`` yields chunks; each becomes one bronze append whose ``Marker`` carries the
state the source needs to carry on after it (its cursor), so "rows written, cursor not
saved" cannot happen: a crash before the commit loses both, and the next run extracts the
same records again from the previous state. Records a source may deliver twice (an
overlapping look-back window, a replayed day) are recognised against bronze and dropped,
so bronze holds each version of a record once and a replay commits nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic

from lakecore.errors import SchemaMismatch
from lakecore.pipeline import Pipeline
from lakecore.ports import (
    Engine,
    Extracted,
    F,
    LandingDataset,
    Marker,
    Overlap,
    Progress,
    RunContext,
    Source,
    TableStore,
    WriteResult,
)
from lakecore.schema import TableId, TableSpec


@dataclass(frozen=True, slots=True)
class SourceIntake:
    """What a run pulled from one dataset's system."""

    table: TableId
    extracted: int = 0
    #: delivered again (an overlap or a replayed chunk) and already in bronze: not written
    repeated: int = 0
    appended: int = 0
    writes: tuple[WriteResult, ...] = field(default_factory=tuple)


def pull(
    dataset: LandingDataset,
    source: Source,
    *,
    pipeline: Pipeline,
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
    progress: Progress,
    first_batch: int | None = None,
) -> SourceIntake:
    """Extract what changed since the state bronze's last commit recorded, and append it.

    The k-th commit to the table is batch ``first_batch + k`` (``run.batch`` by default);
    every chunk's marker carries the source's state after it.
    """
    first = run.batch if first_batch is None else first_batch
    table = dataset.bronze
    app = pipeline.app("ingest")
    state = store.marker_state(table.id, app)
    progress("source.started", table=str(table.id), resumed=state is not None)
    extracted = repeated = 0
    writes: list[WriteResult] = []
    delivered = Delivered(table, store=store, engine=engine)
    for chunk in source.extract(dataset, state):
        extracted += len(chunk.records)
        digest = checksum(chunk.records)
        records = fresh(chunk, digest, table, store=store, engine=engine, delivered=delivered)
        repeated += len(chunk.records) - len(records)
        if records:
            batch = first + len(writes)
            frame = engine.with_constants(
                engine.from_records(records, fields_of(dataset, records)),
                lineage(dataset, run, batch, name=chunk.name, checksum=digest),
            )
            progress("source.extracted", table=str(table.id), records=len(records), batch=batch)
            writes.append(store.append(table, frame, Marker(app, batch, chunk.state)))
        progress("source.chunk", table=str(table.id), extracted=extracted, total=chunk.total,
                 appended=sum(w.rows_written for w in writes))  # fmt: skip
    intake = SourceIntake(
        table.id, extracted, repeated, sum(w.rows_written for w in writes), tuple(writes)
    )
    progress("source.done", table=str(table.id), extracted=extracted, repeated=repeated,
             appended=intake.appended, commits=len(writes))  # fmt: skip
    return intake


def fields_of(dataset: LandingDataset, records: Sequence[Mapping[str, str | None]]) -> list[str]:
    """The declared fields, then any others the records bring (a field the system gained:
    bronze takes it as a new text column)."""
    fields = dict.fromkeys(dataset.fields)
    for record in records:
        fields.update(dict.fromkeys(record))
    return list(fields)


class Delivered(Generic[F]):
    """The ``(name, checksum)`` of chunks bronze holds, asked once for every name an
    extraction announced (``Extracted.expected``), else a chunk at a time. Only the rows of
    those names are read: Delta skips every file whose ``_source_file`` statistics rule them
    out."""

    def __init__(self, table: TableSpec, *, store: TableStore[F], engine: Engine[F]) -> None:
        self._table, self._store, self._engine = table, store, engine
        self._known: set[tuple[str, str]] = set()
        self._asked: set[str] = set()

    def holds(self, chunk: Extracted, digest: str) -> bool:
        if chunk.name not in self._asked:
            names = sorted({chunk.name, *chunk.expected} - self._asked)
            self._asked.update(names)
            rows = self._engine.where_in(self._store.read(self._table), "_source_file", names)
            found = self._engine.distinct(rows, ("_source_file", "_source_checksum"))
            self._known |= {(str(name), str(digest)) for name, digest in found}
        return (chunk.name, digest) in self._known


def fresh(
    chunk: Extracted,
    digest: str,
    table: TableSpec,
    *,
    store: TableStore[F],
    engine: Engine[F],
    delivered: Delivered[F],
) -> Sequence[Mapping[str, str | None]]:
    """The chunk's records (whose ``checksum`` is ``digest``) bronze does not hold yet."""
    if not chunk.records or not store.exists(table.id):
        return chunk.records
    if chunk.replayable and delivered.holds(chunk, digest):
        return ()
    if chunk.overlap is None:
        return chunk.records
    held = known(chunk.overlap, store.read(table), engine=engine)
    identity = chunk.overlap.identity
    return [r for r in chunk.records if tuple(r.get(c) for c in identity) not in held]


def known(overlap: Overlap, bronze: F, *, engine: Engine[F]) -> set[tuple[str | None, ...]]:
    """The identities bronze holds among the rows a source may deliver again."""
    rows = bronze if overlap.after is None else engine.where_after(bronze, overlap.column,
                                                                    overlap.after)  # fmt: skip
    return {
        tuple(None if v is None else str(v) for v in found)
        for found in engine.distinct(rows, overlap.identity)
    }


def lineage(
    dataset: LandingDataset, run: RunContext, batch: int, *, name: str, checksum: str
) -> dict[str, object]:
    """The columns every bronze row carries besides its fields."""
    return {
        "_corrupt_record": None,
        "_source_file": name,
        "_source_checksum": checksum,
        "_source": dataset.source,
        "_run_id": run.run_id,
        "_batch": batch,
        "_ingested_at": run.started_at,
        "_proc_date": run.proc_date,
    }


def check_fields(
    system: str,
    obj: str,
    declared: Sequence[str],
    described: Mapping[str, str],
    *,
    previous: Mapping[str, str] | None,
) -> None:
    """Every declared field must still exist, with the type it had at the last extraction
    (``previous``, from the committed state): else a one-line ``SchemaMismatch`` naming the
    field and object, raised before any record is read."""
    for name in declared:
        if name not in described:
            raise SchemaMismatch(f"{system} {obj}: field {name} is gone from the object")
        before = (previous or {}).get(name)
        if before is not None and described[name] != before:
            raise SchemaMismatch(
                f"{system} {obj}: field {name} changed type from {before} to {described[name]}"
            )


def checksum(records: Sequence[Mapping[str, str | None]]) -> str:
    """sha256 of the records' content, independent of key order (hex)."""
    digest = hashlib.sha256()
    for record in records:
        digest.update(json.dumps(record, sort_keys=True, separators=(",", ":")).encode())
        digest.update(b"\n")
    return digest.hexdigest()
