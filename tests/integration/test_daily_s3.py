"""The daily pipeline in the aws profile, its landing files and its lake on S3 (moto's
server), through the command line (in the test's process): the same lake as a run on local
folders, reports in the bucket."""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from lakecore.daily import run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.fakes.aws import LocalAws
from tests.integration.runs import LAKECORE, cli_env, content, in_process

pytestmark = pytest.mark.spark
DAY = date(2026, 11, 27)
BUCKET = "daily-e2e"


def upload(aws: LocalAws, folder: Path, prefix: str) -> int:
    s3 = aws.client("s3")
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    for path in files:
        s3.upload_file(str(path), BUCKET, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return len(files)


def test_a_day_from_s3_into_a_lake_on_s3_equals_the_local_run(
    s3_spark: SparkSession, aws: LocalAws, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    generate(GenerateOptions(landing, 400, seed=11, dirty=0.1, business_date=DAY))
    aws.client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": aws.region}
    )
    assert upload(aws, landing, "landing") > 0

    env = cli_env(f"s3://{BUCKET}/lake", **aws.environ(), LAKECORE_AWS_S3_PATH_STYLE="true",
                  LAKECORE_ENV="aws")  # fmt: skip
    # In this process, on the session whose S3A settings are lakecore's own for this server
    # (test_stack runs the aws profile as a process of its own).
    done = in_process(s3_spark, ["run", "daily", "--landing", f"s3://{BUCKET}/landing",
                                 "--date", DAY.isoformat()], env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]

    local = tmp_path / "lake"
    run_daily(
        pipeline=lh.PIPELINE,
        landing=SparkFileLanding(s3_spark, landing),
        store=DeltaTableStore(s3_spark, str(local)),
        engine=SparkEngine(s3_spark),
        gate=Gate(SparkGate(), _NoReports(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext("local", DAY, datetime(2026, 11, 27, 12)),
        progress=lambda step, **facts: None,
    )
    # Checksums differ by design (S3: the ETag; local: sha256); everything else is equal.
    on_s3 = content(s3_spark, f"s3://{BUCKET}/lake", ignore=("_source_checksum",))
    assert on_s3 == content(s3_spark, local, ignore=("_source_checksum",))
    assert on_s3["gold.fact_orders"]

    listed = aws.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="lake/gold/quality/")
    reports = [o["Key"] for o in listed.get("Contents", [])]
    assert any(k.startswith("lake/gold/quality/gold.fact_orders/") for k in reports)


def test_a_missing_landing_prefix_is_one_line(aws: LocalAws, tmp_path: Path) -> None:
    aws.client("s3").create_bucket(
        Bucket="empty-landing", CreateBucketConfiguration={"LocationConstraint": aws.region}
    )
    env = cli_env(tmp_path / "lake", **aws.environ(), LAKECORE_AWS_S3_PATH_STYLE="true")
    done = subprocess.run(
        [str(LAKECORE), "run", "daily", "--landing", "s3://empty-landing/nothing"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        "lakecore: error: landing s3://empty-landing/nothing does not exist (no objects)"
    )


class _NoReports:
    def save(self, report: object) -> str:
        return "nowhere"
