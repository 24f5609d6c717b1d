"""The daily batch of a pipeline: landing files and pulled systems -> bronze -> silver
(+ quarantine) -> gold.

Progress lives in the tables, committed in the same commit as the data it describes
(``Marker``), never in a side file:

* a bronze table's rows carry the batch that appended them, and the table records the last
  batch appended (``ingest``), with a pulled source's cursor as the marker's state;
* a silver table records the last batch whose bronze rows it has consumed (``silver``);
* a gold table records the versions of the silver tables it was built from (``gold``).

A run therefore processes exactly what is not yet consumed, whatever stopped the one before
it: running again is the repair. Silver batches are judged before they are published
(write-audit-publish), so a failed gate leaves every reader on the previous content and the
held-back rows wait, in bronze, for the next run.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Generic

from lakecore.errors import ConfigurationError
from lakecore.extract import SourceIntake, pull
from lakecore.gate import (
    Gate,
    check,
    each_table,
    enforce,
    keep,
    needs_previous_rows,
    rows_at,
)
from lakecore.pipeline import Changed, GoldOutput, GoldUpdate, IncrementalGold, Pipeline
from lakecore.ports import (
    SAME_ROWS,
    Engine,
    F,
    LandingDataset,
    LandingFile,
    LandingSource,
    Marker,
    Progress,
    RunContext,
    Slice,
    Source,
    TableStore,
    WriteResult,
)
from lakecore.quality import GateContext, QualityReport, quarantine_share
from lakecore.relational import JoinKind
from lakecore.schema import TableId, TableSpec

#: The two slices of the quarantine a run writes, as its report names them.
SILVER_REJECTS = "records silver refused"
GOLD_REJECTS = "rows gold refused"


class Stage(StrEnum):
    """A part of the daily run; an orchestrator may run them as separate tasks, in this
    order (progress is in the tables, so each picks up what the one before left)."""

    #: what changed in the systems the run is given, into bronze
    PULL = "pull"
    #: the landing files not yet ingested, into bronze
    LANDING = "landing"
    #: bronze's unconsumed rows, judged, into silver
    SILVER = "silver"
    #: gold updated from silver's changes (or rebuilt), judged
    GOLD = "gold"


@dataclass(frozen=True, slots=True)
class FileIntake:
    """What a run did with one dataset's landing files."""

    table: TableId
    new: int = 0
    #: seen before under the same name with other content: ingested again
    redelivered: int = 0
    #: already in bronze with the same content: skipped
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class DailyReport:
    run: RunContext
    writes: tuple[WriteResult, ...] = field(default_factory=tuple)
    quality: tuple[QualityReport, ...] = field(default_factory=tuple)
    files: tuple[FileIntake, ...] = field(default_factory=tuple)
    sources: tuple[SourceIntake, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return any(w.version is not None for w in self.writes)


def run_daily(
    *,
    pipeline: Pipeline,
    landing: LandingSource[F] | None,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
    sources: Mapping[str, Source] | None = None,
    stages: Collection[Stage] = tuple(Stage),
    rebuild_gold: bool = False,
) -> DailyReport:
    """Bring the pipeline up to date: ingest new landing files and pull what changed in the
    systems ``sources`` reach (by the datasets' ``source`` name), publish what silver has not
    consumed, update gold if its inputs moved (from their changes; from all of silver with
    ``rebuild_gold``, or when changes cannot be told). Say what each step did. Without ``landing``
    (a backfill), no landing files are looked at; only the ``stages`` named are run.

    Raises ``QualityGateFailed`` when a silver batch or a gold candidate fails a critical
    rule: nothing of that layer is published.
    """
    gate.validate(pipeline.tables_by_id)  # a bad suite fails before any data is read
    sources = sources or {}
    run = replace(run, batch=next_batch(pipeline, store=store, engine=engine))
    progress("daily.started", pipeline=pipeline.name, batch=run.batch)
    if Stage.LANDING not in stages:
        landing = None
    if Stage.PULL not in stages:
        sources = {}

    files: list[FileIntake] = []
    bronze: list[WriteResult] = []
    if landing is not None:
        files, bronze = ingest_all(pipeline, landing=landing, store=store, engine=engine, run=run,
                                   progress=progress)  # fmt: skip
    # Then what the systems changed, one pull after another (a client is not shared).
    wrote = {w.table for w in bronze if w.version is not None}
    pulled: list[SourceIntake] = []
    last = run.batch
    for dataset in pipeline.landing:
        source = sources.get(dataset.source) if dataset.extraction else None
        if source is None:
            continue
        first = run.batch + (1 if dataset.bronze.id in wrote else 0)
        got = pull(dataset, source, pipeline=pipeline, store=store, engine=engine, run=run,
                   progress=progress, first_batch=first)  # fmt: skip
        pulled.append(got)
        bronze.extend(got.writes)
        last = max(last, first + len(got.writes) - 1)
    # Silver records the last batch it consumed: the highest any bronze commit took.
    run = replace(run, batch=last)
    silver: list[WriteResult] = []
    checked: list[QualityReport] = []
    gold: list[WriteResult] = []
    gold_checked: list[QualityReport] = []
    if Stage.SILVER in stages:
        silver, checked = publish_silver(
            pipeline, store=store, engine=engine, gate=gate, run=run, progress=progress
        )
    if Stage.GOLD in stages:
        gold, gold_checked = refresh_gold(pipeline, store=store, engine=engine, gate=gate,
                                          run=run, progress=progress, rebuild=rebuild_gold)  # fmt: skip
    report = DailyReport(
        run, (*bronze, *silver, *gold), (*checked, *gold_checked), tuple(files), tuple(pulled)
    )
    if not report.changed:
        progress("daily.nothing_new")
    return report


def next_batch(pipeline: Pipeline, *, store: TableStore[F], engine: Engine[F]) -> int:
    """One more than any batch the pipeline's tables record: a run never reuses a number,
    so a write can never be mistaken for one already applied."""
    marks = [(t.id, pipeline.app("ingest")) for t in pipeline.bronze]
    marks += [(t.id, pipeline.app("silver")) for t in pipeline.silver]
    found = engine.each(lambda mark: store.marker(*mark), marks)
    return 1 + max((m for m in found if m is not None), default=0)


# --- landing -> bronze ----------------------------------------------------------------------


def ingest(
    dataset: LandingDataset,
    *,
    pipeline: Pipeline,
    landing: LandingSource[F],
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
    progress: Progress,
) -> tuple[FileIntake, WriteResult]:
    """Append the dataset's landing files bronze does not hold yet, with their lineage."""
    table = dataset.bronze
    listed = landing.list_files(dataset)
    seen = ingested(table, listed, store=store, engine=engine)
    new = [f for f in listed if f.identity not in seen]
    known_names = {path for path, _ in seen}
    redelivered = sum(1 for f in new if f.path in known_names)
    intake = FileIntake(table.id, len(new) - redelivered, redelivered, len(listed) - len(new))
    progress("bronze.files", table=str(table.id), new=intake.new,
             redelivered=intake.redelivered, skipped=intake.skipped)  # fmt: skip
    if not new:
        return intake, WriteResult(table.id, None)
    lineage = {
        "_source": dataset.source,
        "_run_id": run.run_id,
        "_batch": run.batch,
        "_ingested_at": run.started_at,
        "_proc_date": run.proc_date,
    }
    raw = engine.with_constants(landing.read(dataset, new), lineage)
    result = store.append(table, raw, Marker(pipeline.app("ingest"), run.batch))
    progress("bronze.appended", table=str(table.id), files=len(new), rows=result.rows_written)
    return intake, result


def ingest_all(
    pipeline: Pipeline,
    *,
    landing: LandingSource[F],
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
    progress: Progress,
) -> tuple[list[FileIntake], list[WriteResult]]:
    """Every dataset's new landing files, each into its own bronze table, side by side."""
    done = engine.each(
        lambda dataset: ingest(dataset, pipeline=pipeline, landing=landing, store=store,
                               engine=engine, run=run, progress=progress),
        pipeline.landing,
    )  # fmt: skip
    return [intake for intake, _ in done], [written for _, written in done]


def ingested(
    table: TableSpec, listed: Sequence[LandingFile], *, store: TableStore[F], engine: Engine[F]
) -> set[tuple[str, str]]:
    """The ``(path, checksum)`` of the listed files' names that bronze already holds.

    Only rows of the listed names are looked at: Delta skips every data file whose
    ``_source_file`` statistics rule those names out, so the cost follows today's files,
    not the history (landing file names carry their date).
    """
    if not listed or not store.exists(table.id):
        return set()
    mine = engine.where_in(store.read(table), "_source_file", sorted({f.path for f in listed}))
    found = engine.distinct(mine, ("_source_file", "_source_checksum"))
    return {(str(path), str(checksum)) for path, checksum in found}


# --- bronze -> silver: write, audit, publish --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending(Generic[F]):
    """What a silver table has not consumed yet, conformed but not published."""

    table: TableSpec
    consumed: int
    valid: F
    rejected: F
    incoming: int
    quarantined: int
    #: what the engine keeps for the conformed parts until the batch is published
    held: tuple[F, ...] = ()


def publish_silver(
    pipeline: Pipeline,
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> tuple[list[WriteResult], list[QualityReport]]:
    """Conform every silver table's unconsumed bronze rows, judge the tables as they would
    be, then publish: quarantine first, then the MERGE that records the batch as consumed.

    A crash between the two is repaired by the next run, which replaces the same quarantine
    slice and merges again.
    """
    found = engine.each(
        lambda table: pending(table, pipeline=pipeline, store=store, engine=engine, run=run),
        pipeline.silver,
    )
    batches = [batch for batch in found if batch is not None]
    if not batches:
        progress("silver.up_to_date")
        return [], []
    try:
        reports = audit_silver(
            batches, pipeline=pipeline, store=store, engine=engine, gate=gate, run=run,
            progress=progress,
        )  # fmt: skip
        writes = publish(batches, pipeline=pipeline, store=store, engine=engine, run=run,
                         progress=progress)  # fmt: skip
    finally:
        for frame in (f for batch in batches for f in batch.held):
            engine.release(frame)
    return writes, reports


def pending(
    table: TableSpec,
    *,
    pipeline: Pipeline,
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
) -> Pending[F] | None:
    """The bronze rows ``table`` has not consumed, conformed; None when there are none."""
    consumed = store.marker(table.id, pipeline.app("silver")) or 0
    waiting = [
        spec
        for spec in pipeline.feeding(table.id)
        if (store.marker(spec.source, pipeline.app("ingest")) or 0) > consumed
    ]
    if not waiting:
        return None
    parts = [
        engine.conform(
            engine.where_after(store.read(pipeline.bronze_of(spec)), "_batch", consumed), spec, run
        )
        for spec in waiting
    ]
    valid = engine.union([p.valid for p in parts])
    rejected = engine.union([p.rejected for p in parts])
    quarantined = engine.count(rejected)
    incoming = engine.count(valid) + quarantined
    held = tuple(p.rejected for p in parts)
    return Pending(table, consumed, valid, rejected, incoming, quarantined, held)


def audit_silver(
    batches: Sequence[Pending[F]],
    *,
    pipeline: Pipeline,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> list[QualityReport]:
    """Judge every silver table as it would be after the batches merge (the others as they
    are), and the share of incoming records quarantined; raise before anything is written."""
    by_table = {b.table.id: b for b in batches}
    versions = {t.id: store.version(t.id) for t in pipeline.silver}
    judged = [t for t in pipeline.silver if t.id in gate.suites]
    needed = {t.id for t in judged} | {r for t in judged for r in gate.suites[t.id].references}
    frames: dict[TableId, F] = {}
    for table in pipeline.silver:
        batch = by_table.get(table.id)
        if table.id not in needed:
            continue
        if batch is not None:
            frames[table.id] = candidate(table, batch, pipeline=pipeline, store=store,
                                         engine=engine, version=versions[table.id])  # fmt: skip
        elif versions[table.id] is not None:
            frames[table.id] = store.read(table, versions[table.id])

    def judge_one(table: TableSpec) -> QualityReport | None:
        if table.id not in frames:
            progress("quality.skipped", table=str(table.id), reason="no data yet")
            return None
        previous = None
        if needs_previous_rows(gate, table.id):
            previous = rows_at(table, versions[table.id], store=store, engine=engine)
        # a candidate is de-duplicated on the merge key: no need to measure that it is unique
        merged = (pipeline.merges[table.id].keys,) if table.id in by_table else ()
        return check(table, frames[table.id], gate=gate, run=run, references=frames,
                     version=versions[table.id], previous_rows=previous, unique=merged,
                     progress=progress)  # fmt: skip

    reports = each_table(judge_one, judged, gate=gate, engine=engine)
    reports.append(_quarantine_share(batches, pipeline=pipeline, gate=gate, run=run,
                                     progress=progress))  # fmt: skip
    enforce(reports)
    return reports


def candidate(
    table: TableSpec,
    batch: Pending[F],
    *,
    pipeline: Pipeline,
    store: TableStore[F],
    engine: Engine[F],
    version: int | None,
) -> F:
    """The table as the MERGE would leave it: one row per key, the greatest version."""
    merged = batch.valid
    if version is not None:
        merged = engine.union([store.read(table, version), batch.valid])
    return engine.dedupe(merged, pipeline.merges[table.id])


def _quarantine_share(
    batches: Sequence[Pending[F]],
    *,
    pipeline: Pipeline,
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> QualityReport:
    incoming = sum(b.incoming for b in batches)
    quarantined = sum(b.quarantined for b in batches)
    share = quarantine_share(
        pipeline.quarantine.id,
        quarantined,
        incoming,
        GateContext(run.run_id, run.proc_date),
        threshold=gate.quarantine_threshold,
        evaluated_at=run.started_at,
    )
    return keep(share, gate=gate, progress=progress)


def publish(
    batches: Sequence[Pending[F]],
    *,
    pipeline: Pipeline,
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
    progress: Progress,
) -> list[WriteResult]:
    """Quarantine the rejected rows, then MERGE each table's batch with its marker.

    A table's quarantine slice is its rows from batches after the one it last consumed:
    replacing the slice, rather than appending, makes a repeat after a crash exact. Tables
    that consumed up to the same batch (the usual case) share one quarantine commit.
    """
    writes = []
    for consumed, group in _by_consumed(batches).items():
        names = tuple(str(b.table.id) for b in group)
        where = Slice(within=(("table", names),), after=(("_batch", consumed),))
        rejected = engine.union([b.rejected for b in group])
        written = store.replace(pipeline.quarantine, rejected, where)
        writes.append(replace(written, note=SILVER_REJECTS))
        progress("silver.quarantined", tables=list(names), rows=writes[-1].rows_written)
    for batch in batches:
        marker = Marker(pipeline.app("silver"), run.batch)
        merged = store.merge(batch.table, batch.valid, pipeline.merges[batch.table.id], marker)
        progress("silver.merged", table=str(batch.table.id), inserted=merged.rows_inserted,
                 updated=merged.rows_updated, batch=run.batch)  # fmt: skip
        writes.append(merged)
    return writes


def _by_consumed(batches: Sequence[Pending[F]]) -> dict[int, list[Pending[F]]]:
    groups: dict[int, list[Pending[F]]] = {}
    for batch in batches:
        groups.setdefault(batch.consumed, []).append(batch)
    return groups


# --- silver -> gold ---------------------------------------------------------------------------


def refresh_gold(
    pipeline: Pipeline,
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
    rebuild: bool = False,
) -> tuple[list[WriteResult], list[QualityReport]]:
    """Bring gold up to date when silver moved since gold was built; judge the candidates
    and commit them, each with the silver versions it came from. Nothing is written to gold
    when a candidate fails a critical rule.

    A transform that can (``IncrementalGold``) updates gold from silver's changes since the
    versions gold records; gold is rebuilt from all of silver when it cannot, when those
    changes cannot be told (a restore, a change feed not kept), or with ``rebuild``.
    """
    gold = pipeline.gold
    if gold is None:
        return [], []
    versions = {t.id: store.version(t.id) for t in gold.inputs}
    missing = [str(t) for t, v in versions.items() if v is None]
    if missing:
        progress("gold.waiting", missing=missing)
        return [], []
    stamp = built_from(versions)
    app = pipeline.app("gold")
    behind = [t for t in gold.outputs if store.marker(t.id, app) != stamp]
    if not behind:
        progress("gold.up_to_date")
        return [], []
    current = {t: v for t, v in versions.items() if v is not None}
    marker = Marker(app, stamp, json.dumps({"built_from": {str(t): v for t, v in current.items()}}))
    inputs = {t.id: store.read(t, versions[t.id]) for t in gold.inputs}
    update = None
    if not rebuild and isinstance(gold, IncrementalGold):
        update = _update(gold, pipeline, inputs, current, store=store, engine=engine, run=run,
                         progress=progress)  # fmt: skip
    if update is None:
        progress("gold.rebuilding", tables=[str(t.id) for t in behind])
        return _rebuild(gold.build(inputs, engine, run), pipeline, behind, marker, store=store,
                        engine=engine, gate=gate, run=run, progress=progress)  # fmt: skip
    return _apply(update, pipeline, behind, marker, store=store, engine=engine, gate=gate,
                  run=run, progress=progress)  # fmt: skip


def built_from(versions: Mapping[TableId, int | None]) -> int:
    """One number that grows whenever any input gains a version (versions only grow)."""
    return sum(v + 1 for v in versions.values() if v is not None)


def _update(
    gold: IncrementalGold,
    pipeline: Pipeline,
    inputs: Mapping[TableId, F],
    versions: Mapping[TableId, int],
    *,
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
    progress: Progress,
) -> GoldUpdate[F] | None:
    """Gold's update from silver's changes since every output was last built, or None when
    they cannot be told."""
    since = _since(pipeline, store=store)
    if since is None:
        return None
    changes: dict[TableId, F] = {}
    for table in gold.inputs:
        after = since.get(table.id)
        found = None if after is None else store.changes(table, after, versions[table.id])
        if found is None:
            progress("gold.changes_unknown", table=str(table.id), since=after)
            return None
        changes[table.id] = engine.dedupe(found, pipeline.merges[table.id])
    progress("gold.updating", since={str(t): v for t, v in since.items()})
    return gold.update(changes, inputs, engine, run)


def _since(pipeline: Pipeline, *, store: TableStore[F]) -> dict[TableId, int] | None:
    """The input versions every gold table was last built from (the oldest per input), as
    its last commit that changed rows records them; None when one was changed otherwise
    (a restore) or records none (never built, or by an older lakecore)."""
    app = pipeline.app("gold")
    oldest: dict[TableId, int] = {}
    for table in pipeline.gold_tables:
        if not store.exists(table.id):
            return None
        changed = (c for c in store.history(table.id, _HISTORY) if c.operation not in SAME_ROWS)
        last = next(changed, None)
        if last is None or last.marker is None or last.marker.app != app:
            return None
        try:
            built = json.loads(last.marker.state or "")["built_from"]
            versions = {TableId.parse(name): int(v) for name, v in built.items()}
        except (ValueError, KeyError, TypeError, AttributeError, ConfigurationError):
            return None
        for table_id, version in versions.items():
            oldest[table_id] = min(version, oldest.get(table_id, version))
    return oldest


#: How many of a gold table's newest commits are looked at for the last one that changed rows.
_HISTORY = 20


def _rebuild(
    built: GoldOutput[F],
    pipeline: Pipeline,
    behind: Sequence[TableSpec],
    marker: Marker,
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> tuple[list[WriteResult], list[QualityReport]]:
    """Judge the rebuilt gold, then overwrite each table behind with its marker; the
    transform's rejected rows replace gold's slice of the quarantine first."""
    outputs = pipeline.gold_tables
    try:
        reports = _judge_gold(built.tables, outputs, store=store, engine=engine, gate=gate,
                              run=run, progress=progress)  # fmt: skip
        writes = []
        if built.rejected is not None:
            names = tuple(str(t.id) for t in outputs)
            written = store.replace(
                pipeline.quarantine, built.rejected, Slice(within=(("table", names),))
            )
            writes.append(replace(written, note=GOLD_REJECTS))
            progress("gold.quarantined", rows=writes[-1].rows_written)

        def write(table: TableSpec) -> WriteResult:
            written = store.overwrite(table, built.tables[table.id], marker)
            progress("gold.written", table=str(table.id), rows=written.rows_written)
            return written

        writes.extend(engine.each(write, behind))
    finally:
        if built.rejected is not None:
            engine.release(built.rejected)
    return writes, reports


def _apply(
    update: GoldUpdate[F],
    pipeline: Pipeline,
    behind: Sequence[TableSpec],
    marker: Marker,
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> tuple[list[WriteResult], list[QualityReport]]:
    """Judge gold as the update would leave it, then replace the changed keys' rows: the
    quarantine's first (no marker: doing it again is harmless), then each table's with its
    marker."""
    outputs = pipeline.gold_tables

    # Each frame is read by a candidate and a write, the keys by the quarantine's write too.
    def kept(changed: Changed[F]) -> Changed[F]:
        return Changed(engine.keep(changed.affected), engine.keep(changed.rows))

    tables = {table: kept(changed) for table, changed in update.tables.items()}
    rejected = kept(update.rejected) if update.rejected else None
    held = [f for c in (*tables.values(), rejected) if c for f in (c.affected, c.rows)]
    try:
        candidates = {t.id: _updated(t, tables[t.id], store=store, engine=engine) for t in outputs}
        reports = _judge_gold(candidates, outputs, store=store, engine=engine, gate=gate,
                              run=run, progress=progress)  # fmt: skip
        writes = []
        if rejected is not None:
            written = store.replace_keys(pipeline.quarantine, rejected.rows, rejected.affected)
            writes.append(replace(written, note=GOLD_REJECTS))
            progress("gold.quarantined", rows=writes[-1].rows_written)

        def write(table: TableSpec) -> WriteResult:
            changed = tables[table.id]
            written = store.replace_keys(table, changed.rows, changed.affected, marker)
            progress("gold.updated", table=str(table.id), rows=written.rows_written)
            return written

        writes.extend(engine.each(write, behind))
    finally:
        for frame in held:
            engine.release(frame)
        if update.rejected is not None:
            engine.release(update.rejected.rows)
    return writes, reports


def _updated(
    table: TableSpec, changed: Changed[F], *, store: TableStore[F], engine: Engine[F]
) -> F:
    """The table as ``changed`` would leave it."""
    if not store.exists(table.id):
        return changed.rows
    kept = engine.join(store.read(table), changed.affected, table.keys, JoinKind.ANTI)
    return engine.union([kept, changed.rows])


def _judge_gold(
    candidates: Mapping[TableId, F],
    outputs: Sequence[TableSpec],
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> list[QualityReport]:
    reports = each_table(
        lambda table: _check_candidate(table, candidates, store=store, engine=engine, gate=gate,
                                       run=run, progress=progress),
        [table for table in outputs if table.id in gate.suites],
        gate=gate, engine=engine,
    )  # fmt: skip
    enforce(reports)
    return reports


def _check_candidate(
    table: TableSpec,
    candidates: Mapping[TableId, F],
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> QualityReport:
    """A gold candidate, judged against the version it would replace."""
    committed = store.version(table.id)
    previous = None
    if needs_previous_rows(gate, table.id):
        previous = rows_at(table, committed, store=store, engine=engine)
    return check(table, candidates[table.id], gate=gate, run=run, references=candidates,
                 version=committed, previous_rows=previous, progress=progress)  # fmt: skip
