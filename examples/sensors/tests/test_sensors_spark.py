"""The sensors pipeline on Spark + Delta: the same lake as the memory engine builds, and
the ``lakecore`` command line runs it with ``--pipeline sensors:PIPELINE``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sensors
from pyspark.sql import SparkSession
from sensors.landing import sample, write_day

from adapters.delta.store import DeltaTableStore
from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryReportStore,
    InMemoryTableStore,
    LocalFileLanding,
)
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from lakecore import Gate, RunContext, run_daily
from lakecore.testing import lake_content

pytestmark = pytest.mark.spark
DAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    write_day(root, DAY, *sample(DAY, sensors=4, per_sensor=12, bad=4))
    return root


def _context() -> RunContext:
    return RunContext("run", DAY, datetime.now(UTC).replace(tzinfo=None))


def test_spark_builds_the_lake_the_memory_engine_builds(
    spark: SparkSession, landing: Path, delta_store: DeltaTableStore
) -> None:
    run_daily(
        pipeline=sensors.PIPELINE, landing=SparkFileLanding(spark, landing), store=delta_store,
        engine=SparkEngine(spark),
        gate=Gate(SparkGate(), InMemoryReportStore(), sensors.SUITES, quarantine_threshold=1.0),
        run=_context(), progress=lambda step, **facts: None,
    )  # fmt: skip
    memory = InMemoryTableStore()
    run_daily(
        pipeline=sensors.PIPELINE, landing=LocalFileLanding(landing), store=memory,
        engine=InMemoryEngine(),
        gate=Gate(InMemoryGate(), InMemoryReportStore(), sensors.SUITES, quarantine_threshold=1.0),
        run=_context(), progress=lambda step, **facts: None,
    )  # fmt: skip
    on_spark = lake_content(
        sensors.PIPELINE,
        lambda t: delta_store.exists(t.id),
        lambda t: [r.asDict() for r in delta_store.read(t).collect()],
    )
    assert on_spark == lake_content(sensors.PIPELINE, lambda t: memory.exists(t.id), memory.read)
    daily = delta_store.read(sensors.DAILY).collect()
    assert len(daily) == 4  # four sensors, one day
    assert sum(r["readings"] for r in daily) == 4 * 12 - 4  # the defective ones quarantined


def test_the_command_line_runs_the_pipeline(landing: Path, tmp_path: Path) -> None:
    lakecore = Path(sys.executable).with_name("lakecore")
    # 4 of 52 records are defective: more than the 1% a run lets through by default
    env = {**os.environ, "LAKECORE_LAKE_ROOT": str(tmp_path / "lake"),
           "LAKECORE_QUARANTINE_THRESHOLD": "0.1"}  # fmt: skip
    done = subprocess.run(
        [str(lakecore), "run", "daily", "--pipeline", "sensors:PIPELINE", "--landing",
         str(landing), "--date", str(DAY)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "bronze.meters_readings" in done.stdout
    assert "gold.sensor_daily" in done.stdout
    shown = subprocess.run(
        [str(lakecore), "show", "gold.sensor_daily"],
        env={**env, "LAKECORE_PIPELINE": "sensors:PIPELINE"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert "S-0001" in shown.stdout
