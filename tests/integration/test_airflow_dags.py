"""The DAGs in ``infra/airflow/dags`` as Airflow 3 sees them: the folder loads with no import
error, schedules and task order are the flows', ``dag.test()`` of ``daily_batch`` runs the
real pipeline locally and stops at the quality gate on a dirty day with gold unchanged, and
on EMR Serverless each task starts a job run whose client token is its DAG run's and task's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.emrserverless.models import emrserverless_backends
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from lakecore.ports import RunContext
from pipelines.orders.generate import GenerateOptions, generate
from tests.fakes.aws import LocalAws
from tests.fakes.stack import EMR_ROLE
from tests.integration.runs import REPO, SILVER_AND_GOLD, business, cli_env, memory_lake

DAGS = REPO / "infra" / "airflow" / "dags"
ALL_SYSTEMS = {
    "LAKECORE_SALESFORCE_LOGIN_URL": "https://login.example.test",
    "LAKECORE_SNOWFLAKE_DATABASE": "LAKE",
    "LAKECORE_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
}


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated sqlite Airflow home whose DAG folder is ``infra/airflow/dags``."""
    home = tmp_path_factory.mktemp("airflow")
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return env


def _airflow(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.airflow_dag", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_the_dag_folder_loads_with_the_flows_schedules_and_order(
    airflow_home: dict[str, str], tmp_path: Path
) -> None:
    env = cli_env(tmp_path / "lake", **airflow_home, **ALL_SYSTEMS,
                  LAKECORE_LANDING=str(tmp_path / "landing"))  # fmt: skip
    found = _airflow(env, "describe")

    assert found["import_errors"] == {}
    dags = found["dags"]
    assert set(dags) == {"daily_batch", "catalog_and_dq", "weekly_housekeeping"}
    assert {d: dags[d]["schedule"] for d in dags} == {
        "daily_batch": "0 2 * * *",
        "catalog_and_dq": "0 6 * * *",
        "weekly_housekeeping": "0 4 * * 0",
    }
    assert not any(d["catchup"] for d in dags.values())
    daily = dags["daily_batch"]["tasks"]
    sources = ["extract_salesforce", "extract_snowflake", "ingest_landing", "stream_orders"]
    assert {t: daily[t]["upstream"] for t in daily} == {
        **{key: [] for key in sources},
        "silver": sources,
        "gold": ["silver"],
        "register": ["gold"],
    }
    assert dags["daily_batch"]["order"][-3:] == ["silver", "gold", "register"]
    assert daily["ingest_landing"]["arguments"] == [
        "run", "daily", "--stage", "landing", "--landing", str(tmp_path / "landing"),
        "--date", "{{ ds }}",
    ]  # fmt: skip
    assert daily["stream_orders"]["arguments"] == ["stream", "orders", "--available-now"]
    assert {t["operator"] for t in daily.values()} == {"LakecoreCommandOperator"}
    catalog = dags["catalog_and_dq"]["tasks"]
    assert catalog["quality_gate"]["upstream"] == ["register"]
    assert catalog["quality_gate"]["arguments"] == ["dq"]
    assert dags["weekly_housekeeping"]["tasks"]["housekeeping"]["arguments"] == ["housekeeping"]


def test_a_dag_file_that_cannot_be_built_is_an_import_error_naming_the_setting(
    airflow_home: dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in cli_env(tmp_path, **airflow_home).items() if k != "LAKECORE_LANDING"}
    found = _airflow(env, "describe")

    (error,) = found["import_errors"].values()
    assert "set LAKECORE_LANDING" in error
    assert found["dags"] == {}


@pytest.mark.spark
def test_daily_batch_runs_the_pipeline_and_stops_at_the_gate_on_a_dirty_day(
    airflow_home: dict[str, str], aws: LocalAws, spark: SparkSession, tmp_path: Path
) -> None:
    lake, clean, dirty = tmp_path / "lake", tmp_path / "clean", tmp_path / "dirty"
    env = cli_env(lake, **airflow_home, **aws.environ(), LAKECORE_QUARANTINE_THRESHOLD="0.01",
                  LAKECORE_AWS_GLUE_DATABASES='["dag_bronze","dag_silver","dag_gold"]')  # fmt: skip
    # Small days: each task is a lakecore process, whose cost is its start, not its rows.
    for folder, dirtiness, day in ((clean, 0.0, 26), (dirty, 0.05, 27)):
        generate(GenerateOptions(folder, 500, dirty=dirtiness, business_date=date(2026, 11, day)))

    first = _airflow({**env, "LAKECORE_LANDING": str(clean)}, "test", "daily_batch", "2026-11-26")
    assert first == {
        "state": "success",
        "tasks": dict.fromkeys(["ingest_landing", "silver", "gold", "register"], "success"),
    }
    store = DeltaTableStore(spark, str(lake))
    expected = memory_lake(clean, RunContext("ref", date(2026, 11, 26), datetime(2026, 11, 26)))
    for table in SILVER_AND_GOLD:
        got = [r.asDict() for r in store.read(table).collect()]
        columns = table.business_columns
        assert business(got, columns) == business(expected.read(table), columns), table.id
    glue = aws.client("glue")
    assert {t["Name"] for t in glue.get_tables(DatabaseName="dag_gold")["TableList"]} == {
        "dim_customers", "dim_fx", "fact_orders",
    }  # fmt: skip

    logs = {layer: _logs(lake / layer) for layer in ("silver", "gold")}
    second = _airflow({**env, "LAKECORE_LANDING": str(dirty)}, "test", "daily_batch", "2026-11-27")
    assert second == {
        "state": "failed",
        "tasks": {
            "ingest_landing": "success",
            "silver": "failed",
            "gold": "upstream_failed",
            "register": "upstream_failed",
        },
    }
    assert {layer: _logs(lake / layer) for layer in ("silver", "gold")} == logs
    reports = sorted((lake / "gold" / "quality" / "silver.quarantine").glob("*.json"))
    assert json.loads(reports[-1].read_text())["result"] == "failed"  # the gate stopped it


def _logs(layer: Path) -> dict[str, list[str]]:
    """Every table's commits: a table nothing wrote to has the same list."""
    return {
        t.name: sorted(p.name for p in (t / "_delta_log").glob("*.json"))
        for t in sorted(layer.iterdir())
        if (t / "_delta_log").is_dir()
    }


def test_on_emr_each_task_is_a_deferrable_job_run_with_a_token_per_dag_run_and_task(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.airflow.operators import LakecoreEmrJobOperator
    from entrypoints.dags import dags
    from entrypoints.settings import Settings

    artifacts = "s3://lakecore-dev-artifacts/lakecore/0.1.0/0123abcd"
    for name, value in {
        **aws.environ(),
        "LAKECORE_DAG_RUNNER": "emr",
        "LAKECORE_AWS_EMR_ARTIFACTS": artifacts,
        "LAKECORE_AWS_EMR_EXECUTION_ROLE_ARN": EMR_ROLE,
        "LAKECORE_LANDING": "s3://lakecore-dev-lake/landing",
        "LAKECORE_AWS_EMR_APPLICATION_NAME": "dag-jobs",
    }.items():
        monkeypatch.setenv(name, value)
    emr = aws.client("emr-serverless")
    app = emr.create_application(name="dag-jobs", releaseLabel="emr-7.9.0", type="SPARK")

    silver = dags(Settings())["daily_batch"].get_task("silver")
    assert isinstance(silver, LakecoreEmrJobOperator)
    assert silver.deferrable
    silver.render_template_fields({"ds": "2026-11-29"})
    driver = silver.job_driver["sparkSubmit"]
    assert driver["entryPoint"] == f"{artifacts}/jobs/daily.py"
    assert driver["entryPointArguments"] == ["--stage", "silver", "--date", "2026-11-29"]
    assert (
        f"spark.archives={artifacts}/lakecore-environment.tar.gz#environment"
        in (driver["sparkSubmitParameters"])
    )
    assert silver.name == "lakecore-daily-2026-11-29"

    # A retry of the task in the same DAG run sends the first try's token: EMR answers a
    # known token with the run it started then. (moto records tokens, it does not dedupe.)
    silver.deferrable, silver.wait_for_completion = False, False
    run = {"run_id": "scheduled__2026-11-29T02:00:00+00:00", "ti": _NoXCom()}
    silver.execute(run)
    silver.execute(run)
    silver.execute({**run, "run_id": "scheduled__2026-11-30T02:00:00+00:00"})
    started = emrserverless_backends[DEFAULT_ACCOUNT_ID][aws.region].job_runs[app["applicationId"]]
    tokens = [r.client_token for r in started]
    assert tokens[0] == tokens[1] != tokens[2]
    assert all(len(t) <= 64 for t in tokens)
    assert {r.execution_role_arn for r in started} == {EMR_ROLE}


class _NoXCom:
    """The task instance's part the operator uses outside a scheduler: XCom, dropped."""

    def xcom_push(self, *args: object, **kwargs: object) -> None:
        return None


def test_a_killed_task_stops_its_command(tmp_path: Path) -> None:
    from adapters.airflow.operators import LakecoreCommandOperator

    task = LakecoreCommandOperator(
        task_id="long", arguments=["generate", "--out", str(tmp_path), "--rows", "5000000"]
    )
    failures: list[BaseException] = []

    def run() -> None:
        try:
            task.execute({})
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    while task._child is None:  # started
        time.sleep(0.1)
    time.sleep(1)
    started = time.monotonic()
    task.on_kill()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert time.monotonic() - started < 30
    assert task._child.returncode == -signal.SIGTERM
    (failure,) = failures
    assert f"exited {-signal.SIGTERM}" in str(failure)
