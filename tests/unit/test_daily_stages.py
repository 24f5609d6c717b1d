"""A daily run in stages (what the DAG's tasks do, one after the other) leaves the same
tables as one whole run, and each stage does only its own part."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from pathlib import Path

from adapters.memory import (
    InMemoryTableStore,
)
from lakecore.daily import DailyReport, Stage
from lakecore.ports import RunContext
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.memory import run_on

DAY = date(2026, 11, 27)


def _run(landing: Path, store: InMemoryTableStore, stages: Collection[Stage]) -> DailyReport:
    return run_on(landing, store, run=RunContext("run", DAY, datetime(2026, 11, 27, 12)),
                  stages=stages)  # fmt: skip


def _content(store: InMemoryTableStore) -> dict[str, list[str]]:
    """Every table's rows without the run's own stamps. A silver stage on its own takes a
    batch number of its own (as a run with nothing new does), which quarantine rows carry."""

    def kept(table: str, column: str) -> bool:
        return column not in ("_run_id", "_ingested_at") and (
            column != "_batch" or table != str(lh.QUARANTINE.id)
        )

    return {
        str(t.id): sorted(
            repr(sorted((k, v) for k, v in r.items() if kept(str(t.id), k))) for r in store.read(t)
        )
        for t in lh.TABLES
        if store.exists(t.id)
    }


def test_the_stages_one_after_the_other_leave_what_one_whole_run_leaves(tmp_path: Path) -> None:
    generate(GenerateOptions(tmp_path, 1_000, seed=5, dirty=0.05, business_date=DAY))
    whole, staged = InMemoryTableStore(), InMemoryTableStore()
    _run(tmp_path, whole, tuple(Stage))

    landed = _run(tmp_path, staged, [Stage.LANDING])
    assert {w.table.layer.value for w in landed.writes} == {"bronze"}
    assert not any(staged.exists(t.id) for t in (*lh.PIPELINE.silver, *lh.GOLD_TABLES))
    silver = _run(tmp_path, staged, [Stage.SILVER])
    assert not silver.files
    assert {w.table.layer.value for w in silver.writes} == {"silver"}
    assert not any(staged.exists(t.id) for t in lh.GOLD_TABLES)
    gold = _run(tmp_path, staged, [Stage.GOLD])
    assert {w.table.layer.value for w in gold.writes} <= {"gold", "silver"}  # + FX quarantine
    assert {w.table for w in gold.writes} >= {t.id for t in lh.GOLD_TABLES}

    assert _content(staged) == _content(whole)
    assert not _run(tmp_path, staged, tuple(Stage)).changed  # nothing left to do
