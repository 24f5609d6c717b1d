"""``make stack`` as a user meets it: start the stand-ins, source the settings, run the
commands the README shows, stop them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from entrypoints.settings import AwsNames
from pipelines import orders as lh
from tests.integration.runs import LAKECORE, REPO

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _stack(action: str, folder: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tests.fakes.stack", action, "--dir", str(folder),
               "--env", str(folder / "stack.env"), "--rows", "1500"]  # fmt: skip
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("stack")
    started = _stack("start", folder)
    assert started.returncode == 0, started.stderr + (folder / "stack.log").read_text()
    settings = dict(
        line.split("=", 1) for line in (folder / "stack.env").read_text().splitlines() if line
    )
    env = {**os.environ, **settings, "LAKECORE_JARS_DIR": str(REPO / "build" / "jars")}
    try:
        yield folder, env
    finally:
        stopped = _stack("stop", folder)
        assert stopped.returncode == 0
        assert not (folder / "stack.env").exists()


def _lakecore(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(LAKECORE), *args], env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_daily_run_pulls_from_both_stand_ins(
    spark: SparkSession, stack: tuple[Path, dict[str, str]]
) -> None:
    folder, env = stack
    out = _lakecore(env, "run", "daily", "--landing", str(folder / "landing"))
    assert "bronze.salesforce_accounts       extracted:" in out
    assert "bronze.snowflake_legacy_orders   extracted:" in out
    store = DeltaTableStore(spark, env["LAKECORE_LAKE_ROOT"])
    assert store.read(lh.ACCOUNTS).count() > 0
    legacy = store.read(lh.ORDERS).where("source = 'snowflake'").count()
    assert legacy > 0
    assert store.read(lh.DIM_CUSTOMERS).count() > 0

    again = _lakecore(env, "extract", "salesforce")
    assert " 0 appended in 0 commits" in again
    backfill = _lakecore(env, "backfill", "snowflake", "--from", "2020-01-01", "--to", "2030-12-31")
    assert "nothing new" in backfill
    assert store.read(lh.ORDERS).where("source = 'snowflake'").count() == legacy


def test_the_stream_runs_against_the_stacks_broker(
    spark: SparkSession, stack: tuple[Path, dict[str, str]]
) -> None:
    folder, env = stack
    _lakecore(env, "generate", "--out", str(folder / "sent"), "--rows", "1000", "--to-kafka")
    out = _lakecore(env, "stream", "orders", "--available-now")
    assert "800 records" in out
    status = _lakecore(env, "stream", "status")
    assert status.splitlines()[-1].split()[-1] == "0"  # no lag left
    store = DeltaTableStore(spark, env["LAKECORE_LAKE_ROOT"])
    streamed = store.read(lh.ORDERS).where("_source_file like 'orders_events/%'").count()
    dead = store.read(lh.ORDERS_STREAM.dead_letters).count()
    assert streamed > 0
    assert dead > 0  # the generator's defects: malformed values, negative amounts, ...


def test_the_aws_profile_runs_a_day_on_s3_and_registers_it_in_glue(
    stack: tuple[Path, dict[str, str]],
) -> None:
    """The README's aws profile: sources' credentials from Secrets Manager, landing files and
    lake on S3, reports in the bucket, tables in Glue; all on the stack's moto."""
    _, env = stack
    bucket = AwsNames().lake_bucket
    aws = {k: v for k, v in env.items() if k != "LAKECORE_SECRETS_DIR"} | {
        "LAKECORE_ENV": "aws",
        "LAKECORE_LAKE_ROOT": f"s3://{bucket}/lake",
        "LAKECORE_QUARANTINE_THRESHOLD": "1.0",
    }
    out = _lakecore(aws, "run", "daily", "--landing", f"s3://{bucket}/landing")
    assert "bronze.salesforce_accounts       extracted:" in out
    assert "bronze.snowflake_legacy_orders   extracted:" in out

    registered = _lakecore(aws, "register")
    assert "lakecore_gold (created):" in registered
    glue, s3 = (_client(env, service) for service in ("glue", "s3"))
    fact = glue.get_table(DatabaseName="lakecore_gold", Name="fact_orders")["Table"]
    assert fact["Parameters"]["table_type"] == "DELTA"
    assert fact["StorageDescriptor"]["Location"] == f"s3://{bucket}/lake/gold/fact_orders"
    log = s3.list_objects_v2(Bucket=bucket, Prefix="lake/gold/fact_orders/_delta_log/")
    assert log.get("KeyCount", 0) > 0
    reports = s3.list_objects_v2(Bucket=bucket, Prefix="lake/gold/quality/")
    assert reports.get("KeyCount", 0) > 0


def _client(env: dict[str, str], service: str) -> Any:
    """A boto3 client as the stack's settings describe it."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def test_a_job_is_submitted_to_the_stacks_emr_serverless(
    stack: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """docs/AWS.md's submit, as is: the stack has the application, the artifacts bucket and
    the role's ARN in its settings."""
    _, env = stack
    out = tmp_path / "emr"
    _lakecore(env, "package", "--project", str(REPO), "--out", str(out), "--extras", "aws")
    started = _lakecore(env, "submit", "--artifacts", str(out), "--no-wait", "register")
    uploaded, started_run = started.splitlines()
    assert uploaded.startswith("artifacts in s3://lakecore-dev-artifacts/lakecore/")
    assert started_run.startswith("job run ")
    names = AwsNames()
    emr = _client(env, "emr-serverless")
    (app,) = [
        a
        for a in emr.list_applications()["applications"]
        if a["name"] == names.emr_application_name
    ]
    (run,) = emr.list_job_runs(applicationId=app["id"])["jobRuns"]
    assert started_run.split()[2] == run["id"]
    scripts = _client(env, "s3").list_objects_v2(Bucket=names.artifacts_bucket, Prefix="lakecore/")
    assert any(o["Key"].endswith("/jobs/register.py") for o in scripts["Contents"])
