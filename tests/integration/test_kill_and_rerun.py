"""SIGKILL a real ``lakecore run daily`` (Python driver and its JVM, the whole process group)
at several moments, run the day again, and compare every table with an uninterrupted run."""

from __future__ import annotations

import shutil
import signal
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.memory.quality import InMemoryReportStore
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from lakecore.daily import run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext
from lakecore.testing import Content
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.integration.runs import LAKECORE, cli_env, content, kill_at

pytestmark = [pytest.mark.spark, pytest.mark.slow]

DAY = date(2026, 11, 27)

#: (progress event, how many of them to wait for): the kill lands while the run goes on.
KILL_POINTS = [
    ("bronze.appended", 2),  # in the middle of ingestion
    ("silver.quarantined", 1),  # quarantine written, the MERGEs not (or some)
    ("silver.merged", 2),  # some silver tables consumed their batch, others not
    ("gold.quarantined", 1),  # silver done, gold not yet written
    ("gold.written", 2),  # some gold tables rebuilt, others not
]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(GenerateOptions(out, 2_000, seed=11, dirty=0.02, business_date=DAY))
    return out


def _run_in_process(
    spark: SparkSession, landing: Path, lake: Path, n: int, day: date = DAY
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    run_daily(
        pipeline=lh.PIPELINE,
        landing=SparkFileLanding(spark, landing),
        store=DeltaTableStore(spark, str(lake)),
        engine=SparkEngine(spark),
        gate=Gate(SparkGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext(f"rerun-{n}", day, now),
        progress=lambda step, **facts: None,
    )


@pytest.fixture(scope="module")
def first_day(spark: SparkSession, landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake after one uninterrupted day (copy it before writing to it)."""
    lake = tmp_path_factory.mktemp("reference") / "lake"
    _run_in_process(spark, landing, lake, 0)
    return lake


@pytest.fixture(scope="module")
def uninterrupted(spark: SparkSession, first_day: Path) -> Content:
    return content(spark, first_day)


def kill_daily_at(landing: Path, lake: Path, event: str, occurrence: int, day: date = DAY) -> int:
    command = [str(LAKECORE), "run", "daily", "--landing", str(landing), "--date", str(day)]
    return kill_at(command, cli_env(lake), event, occurrence)


@pytest.mark.parametrize(("event", "occurrence"), KILL_POINTS)
def test_a_killed_run_is_repaired_by_running_again(
    spark: SparkSession,
    landing: Path,
    uninterrupted: Content,
    tmp_path: Path,
    event: str,
    occurrence: int,
) -> None:
    lake = tmp_path / "lake"
    code = kill_daily_at(landing, lake, event, occurrence)
    assert code == -signal.SIGKILL, f"the run ended by itself ({code}) before {event} #{occurrence}"
    _run_in_process(spark, landing, lake, 1)
    assert content(spark, lake) == uninterrupted


def test_a_run_killed_while_it_updates_gold_from_changes_is_repaired(
    spark: SparkSession, first_day: Path, tmp_path: Path
) -> None:
    """The second day updates gold from silver's changes, one MERGE per gold table: killed
    after some of them, the run again leaves the lake as an uninterrupted second day."""
    after = DAY + timedelta(days=1)
    second = tmp_path / "landing-2"
    generate(GenerateOptions(second, 1_000, seed=12, dirty=0.02, business_date=after))
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for lake in (reference, killed):
        shutil.copytree(first_day, lake)
    _run_in_process(spark, second, reference, 1, after)
    code = kill_daily_at(second, killed, "gold.updated", 2, after)
    assert code == -signal.SIGKILL, f"the run ended by itself ({code}) before gold.updated #2"
    _run_in_process(spark, second, killed, 2, after)
    assert content(spark, killed) == content(spark, reference)
