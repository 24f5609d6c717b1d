"""The code that runs on a laptop runs unchanged on a cluster: ``lakecore run daily --master
spark://...`` on a standalone master with two workers (their own JVMs, work folders and time
zone) leaves the same lake as the ``local[2]`` run."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from lakecore.ports import RunContext
from lakecore.testing import Content
from pipelines.orders.generate import GenerateOptions, generate
from tests.integration.cluster import Standalone, standalone
from tests.integration.runs import LAKECORE, cli_env, content, spark_daily

pytestmark = [pytest.mark.spark, pytest.mark.slow]

DAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    # The executors' JVMs start in another time zone than the driver's: nothing may lean on
    # the machine's zone where it runs.
    folder = tmp_path_factory.mktemp("cluster")
    with standalone(folder, workers=2, worker_env={"TZ": "America/Los_Angeles"}) as running:
        yield running


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(GenerateOptions(out, 3_000, seed=5, dirty=0.02, business_date=DAY))
    return out


@pytest.fixture(scope="module")
def local_lake(
    spark: SparkSession, landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> Content:
    lake = tmp_path_factory.mktemp("local") / "lake"
    now = datetime.now(UTC).replace(tzinfo=None)
    spark_daily(spark, DeltaTableStore(spark, str(lake)), landing, RunContext("local", DAY, now))
    return content(spark, lake)


def test_a_daily_run_on_a_standalone_cluster_leaves_the_local_runs_lake(
    spark: SparkSession, cluster: Standalone, landing: Path, local_lake: Content, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    command = [str(LAKECORE), "run", "daily", "--master", cluster.master,
               "--landing", str(landing), "--date", str(DAY)]  # fmt: skip
    # Spark's defaults (generated code) on the cluster, the small-data profile (interpreted
    # expressions) in the test session's local run: the two must agree.
    env = cli_env(lake, LAKECORE_SPARK_PROFILE="large")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    apps = cluster.state()["completedapps"]
    assert [a["name"] for a in apps] == ["lakecore"]  # type: ignore[index]
    # Both workers ran executors of it (each keeps a folder per application it served).
    for worker in sorted(cluster.logs.parent.glob("worker-*")):
        assert list(worker.glob("app-*/*/stderr")), f"{worker.name} ran no executor"
    assert content(spark, lake) == local_lake
