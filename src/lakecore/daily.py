"""The daily batch: landing files → bronze → silver (+ quarantine) → gold.

Each step is a short function taking its collaborators as keyword arguments. Re-running a
day changes no data: landing files already in bronze are skipped (as COPY INTO does), so
nothing new reaches silver, and gold is only rebuilt when silver received something.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog

from lakecore import lakehouse as lh
from lakecore.conform import ConformSpec
from lakecore.gate import (
    Gate,
    check,
    check_stored,
    current_version,
    enforce,
    keep,
    needs_previous_rows,
    rows_at,
)
from lakecore.ports import (
    Conformed,
    Engine,
    F,
    LandingDataset,
    LandingSource,
    Progress,
    RunContext,
    TableStore,
    WriteResult,
)
from lakecore.quality import GateContext, QualityReport, quarantine_share
from lakecore.schema import TableId, TableSpec

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class DailyReport:
    run: RunContext
    writes: tuple[WriteResult, ...] = field(default_factory=tuple)
    quality: tuple[QualityReport, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return any(w.rows_written or w.rows_inserted or w.rows_updated for w in self.writes)

    def written(self, table: TableId) -> list[WriteResult]:
        return [w for w in self.writes if w.table == table]


def run_daily(
    *,
    landing: LandingSource[F],
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> DailyReport:
    """Run one day's batch end to end and say what each write did.

    Raises ``QualityGateFailed`` when silver, or a gold candidate, fails a critical rule:
    gold then stays at its previous version.
    """
    gate.validate(lh.TABLES_BY_ID)  # a bad suite fails before any data is read
    bronze = [
        ingest(dataset, landing=landing, store=store, engine=engine, run=run, progress=progress)
        for dataset in lh.LANDING
    ]
    fresh = {w.table for w in bronze if w.rows_written}
    if not fresh:
        progress("daily.nothing_new")
        return DailyReport(run, tuple(bronze))
    silver = conform_to_silver(fresh, store=store, engine=engine, run=run, progress=progress)
    checked = check_silver(
        bronze, silver, store=store, engine=engine, gate=gate, run=run, progress=progress
    )
    gold, gold_checked = build_gold(
        store=store, engine=engine, gate=gate, run=run, progress=progress
    )
    return DailyReport(run, (*bronze, *silver, *gold), (*checked, *gold_checked))


def ingest(
    dataset: LandingDataset,
    *,
    landing: LandingSource[F],
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
    progress: Progress,
) -> WriteResult:
    """Append the dataset's landing files not yet in bronze, with ingestion metadata."""
    table = dataset.bronze
    done = already_ingested(table, store=store, engine=engine)
    files = [f for f in landing.list_files(dataset) if f.path not in done]
    if not files:
        progress("bronze.up_to_date", table=str(table.id))
        return WriteResult(table.id, None)
    raw = landing.read(dataset, files)
    lineage = {
        "_source": dataset.source,
        "_run_id": run.run_id,
        "_ingested_at": run.started_at,
        "_proc_date": run.proc_date,
    }
    result = store.append(table, engine.with_constants(raw, lineage))
    progress("bronze.appended", table=str(table.id), files=len(files), rows=result.rows_written)
    return result


def already_ingested(table: TableSpec, *, store: TableStore[F], engine: Engine[F]) -> set[Any]:
    if not store.exists(table.id):
        return set()
    return engine.distinct_values(store.read(table), "_source_file")


def conform_to_silver(
    fresh: set[TableId],
    *,
    store: TableStore[F],
    engine: Engine[F],
    run: RunContext,
    progress: Progress,
) -> list[WriteResult]:
    """Conform this run's new bronze rows, MERGE them into silver, quarantine the rest."""
    specs = [s for s in lh.CONFORM if s.source in fresh]
    rejected: list[F] = []
    writes: list[WriteResult] = []
    for target in dict.fromkeys(s.target for s in specs):
        batch = [
            _conform(s, store=store, engine=engine, run=run) for s in specs if s.target == target
        ]
        merged = store.merge(
            target, engine.union([c.valid for c in batch]), lh.SILVER_MERGE[target.id]
        )
        progress("silver.merged", table=str(target.id), inserted=merged.rows_inserted,
                 updated=merged.rows_updated)  # fmt: skip
        writes.append(merged)
        rejected.extend(c.rejected for c in batch)
    writes.append(_quarantine(rejected, store=store, engine=engine, progress=progress))
    for frame in rejected:
        engine.release(frame)
    return writes


def _conform(
    spec: ConformSpec, *, store: TableStore[F], engine: Engine[F], run: RunContext
) -> Conformed[F]:
    bronze = next(d.bronze for d in lh.LANDING if d.bronze.id == spec.source)
    this_run = engine.where_equal(
        engine.where_equal(store.read(bronze), "_proc_date", run.proc_date), "_run_id", run.run_id
    )
    return engine.conform(this_run, spec, run)


def _quarantine(
    rejected: Sequence[F], *, store: TableStore[F], engine: Engine[F], progress: Progress
) -> WriteResult:
    result = store.append(lh.QUARANTINE, engine.union(rejected))
    progress("silver.quarantined", rows=result.rows_written)
    return result


def check_silver(
    bronze: Sequence[WriteResult],
    silver: Sequence[WriteResult],
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> list[QualityReport]:
    """Judge every silver table as merged, and the share of records quarantined this run."""
    written = {w.table: w.version for w in silver if w.version is not None}
    reports = []
    for table in lh.SILVER_TABLES:
        if table.id not in gate.suites:
            continue
        if not store.exists(table.id):
            progress("quality.skipped", table=str(table.id), reason="no data yet")
            continue
        reports.append(
            check_stored(
                table, store=store, engine=engine, gate=gate, run=run, tables=lh.TABLES_BY_ID,
                progress=progress, version=written.get(table.id),
            )
        )  # fmt: skip
    incoming = sum(w.rows_written for w in bronze)
    quarantined = sum(w.rows_written for w in silver if w.table == lh.QUARANTINE.id)
    share = quarantine_share(
        lh.QUARANTINE.id,
        quarantined,
        incoming,
        GateContext(run.run_id, run.proc_date, written.get(lh.QUARANTINE.id)),
        threshold=gate.quarantine_threshold,
        evaluated_at=run.started_at,
    )
    reports.append(keep(share, gate=gate, progress=progress))
    enforce(reports)
    return reports


def build_gold(
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> tuple[list[WriteResult], list[QualityReport]]:
    """Rebuild the gold tables from silver, check the candidates, then commit them.

    Orders without an FX rate are quarantined. Nothing is written to gold when a candidate
    fails a critical rule.
    """
    accounts = engine.where_not_equal(store.read(lh.ACCOUNTS), "is_deleted", True)
    customers = engine.project(accounts, lh.DIM_CUSTOMERS_COLUMNS)
    fx = engine.project(store.read(lh.FX_RATES), lh.DIM_FX_COLUMNS)
    orders = engine.latest(store.read(lh.ORDERS), lh.LATEST_ORDER, lh.FIRST_EVENT)
    converted = engine.convert(orders, fx, lh.TO_USD, lh.FACT_ORDERS, run)
    facts = engine.project(converted.valid, lh.FACT_ORDERS_COLUMNS)
    candidates = {lh.DIM_CUSTOMERS.id: customers, lh.DIM_FX.id: fx, lh.FACT_ORDERS.id: facts}
    try:
        reports = [
            _check_candidate(
                table, candidates, store=store, engine=engine, gate=gate, run=run, progress=progress
            )
            for table in lh.GOLD_TABLES
            if table.id in gate.suites
        ]
        enforce(reports)
        writes = [
            store.overwrite(lh.DIM_CUSTOMERS, customers),
            store.overwrite(lh.DIM_FX, fx),
            store.overwrite(lh.FACT_ORDERS, facts),
            store.merge(lh.QUARANTINE, converted.rejected, lh.QUARANTINE_ONCE),
        ]
    finally:
        engine.release(converted.rejected)
    for write in writes:
        progress("gold.written", table=str(write.table), rows=write.rows_written,
                 inserted=write.rows_inserted)  # fmt: skip
    missing = writes[-1].rows_inserted
    if missing:
        log.error("gold.missing_fx_rate", orders=missing, quarantined_in=str(lh.QUARANTINE.id))
    return writes, reports


def _check_candidate(
    table: TableSpec,
    candidates: dict[TableId, F],
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    progress: Progress,
) -> QualityReport:
    """A gold candidate, judged against the version it would replace."""
    committed = current_version(table.id, store=store)
    previous = None
    if needs_previous_rows(gate, table.id):
        previous = rows_at(table, committed, store=store, engine=engine)
    return check(table, candidates[table.id], gate=gate, run=run, references=candidates,
                 version=committed, previous_rows=previous, progress=progress)  # fmt: skip
