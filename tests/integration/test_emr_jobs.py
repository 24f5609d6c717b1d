"""EMR Serverless jobs: ``lakecore package`` builds a whole Python that runs the entrypoints
wherever it is unpacked, the same job script runs under a local ``spark-submit`` with it,
and ``lakecore submit`` sends the StartJobRun EMR 7.x needs (checked on moto's server)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pyspark
import pytest
from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT
from moto.emrserverless.models import emrserverless_backends
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.emr.artifacts import ENVIRONMENT, Manifest
from adapters.emr.serverless import DELTA_JARS, PYTHON
from entrypoints.emr import JAR, artifacts_prefix, client_token
from entrypoints.jobs import JOBS
from lakecore.ports import RunContext
from pipelines.orders.generate import GenerateOptions, generate
from tests.fakes.aws import LocalAws
from tests.integration.runs import LAKECORE, REPO, SILVER_AND_GOLD, business, cli_env, memory_lake

pytestmark = pytest.mark.spark
DAY = date(2026, 11, 20)
ROLE = "arn:aws:iam::123456789012:role/lakecore-dev-emr-execution"
SPARK_HOME = Path(pyspark.__file__).parent


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("emr") / "artifacts"
    done = subprocess.run(
        [str(LAKECORE), "package", "--out", str(out), "--extras", "spark,aws"],
        env=cli_env(tmp_path_factory.mktemp("unused-lake")),
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def environment(artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packed environment unpacked where EMR would put it: somewhere else."""
    where = tmp_path_factory.mktemp("unpacked") / "environment"
    with tarfile.open(artifacts / ENVIRONMENT) as tar:
        tar.extractall(where, filter="tar")
    return where


def bare_env(**extra: str) -> dict[str, str]:
    """No virtualenv, no PYTHONPATH: only what a fresh EMR worker has (a JVM, a PATH)."""
    keep = ("HOME", "JAVA_HOME", "LANG", "TMPDIR")
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        **{k: os.environ[k] for k in keep if k in os.environ},
        **extra,
    }


def test_the_package_holds_a_job_per_entrypoint_and_checksums(artifacts: Path) -> None:
    manifest = Manifest.load(artifacts)
    manifest.check(artifacts)
    assert {f"jobs/{job}.py" for job in JOBS} | {ENVIRONMENT, JAR} <= set(manifest.files)
    assert (artifacts / JAR).read_bytes() == (REPO / "build" / "jars" / "lakecore.jar").read_bytes()
    assert manifest.extras == ("spark", "aws")
    with tarfile.open(artifacts / ENVIRONMENT) as tar:
        names = set(tar.getnames())
    assert "bin/python" in names
    assert "pyvenv.cfg" not in names  # nothing points back at this machine's Python
    # PySpark is the image's: a copy here would shadow the one matching its JVM.
    assert not any(n.startswith("lib/python3.11/site-packages/pyspark/") for n in names)
    assert any(n.startswith("lib/python3.11/site-packages/delta/") for n in names)


def test_the_environment_is_a_whole_python_wherever_it_is_unpacked(environment: Path) -> None:
    probe = "import sys, lakecore, adapters.boto, boto3; print(sys.prefix, sys.base_prefix)"
    done = subprocess.run(
        [str(environment / "bin" / "python"), "-c", probe],
        env=bare_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    prefix, base = done.stdout.split()
    assert Path(prefix) == environment
    assert Path(base) == environment


def test_the_daily_job_runs_under_spark_submit_with_the_packed_python(
    artifacts: Path, environment: Path, spark: SparkSession, tmp_path: Path
) -> None:
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    generate(GenerateOptions(landing, 600, seed=5, dirty=0.1, business_date=DAY))
    python = str(environment / "bin" / "python")
    jars = ",".join(sorted(str(j) for j in (REPO / "build" / "jars").glob("*.jar")))
    # What EMR's StartJobRun carries, with this machine's jars and unpacked environment.
    command = [
        str(SPARK_HOME / "bin" / "spark-submit"), "--master", "local[2]", "--jars", jars,
        "--conf", "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
        "--conf", "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "--conf", f"spark.pyspark.driver.python={python}",
        "--conf", f"spark.pyspark.python={python}",
        str(artifacts / "jobs" / "daily.py"), "--landing", str(landing), "--date", DAY.isoformat(),
    ]  # fmt: skip
    env = bare_env(
        SPARK_HOME=str(SPARK_HOME),
        SPARK_LOCAL_IP="127.0.0.1",
        TZ="UTC",
        LAKECORE_LAKE_ROOT=str(lake),
        LAKECORE_QUARANTINE_THRESHOLD="1.0",
    )
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "gold.fact_orders" in done.stdout

    store = DeltaTableStore(spark, str(lake))
    memory = memory_lake(landing, RunContext("reference", DAY, datetime(2026, 11, 20, 12)))
    for table in SILVER_AND_GOLD:
        columns = table.business_columns
        written = [row.asDict() for row in store.read(table).collect()]
        assert business(written, columns) == business(memory.read(table), columns), table.id


@pytest.fixture
def emr_app(aws: LocalAws, request: pytest.FixtureRequest) -> dict[str, str]:
    """An artifacts bucket and an EMR Serverless application of this test's own."""
    suffix = request.node.name.replace("_", "-")[-40:].strip("-").lower()
    bucket = f"artifacts-{suffix}"
    aws.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region}
    )
    emr = aws.client("emr-serverless")
    app = emr.create_application(name=f"app-{suffix}", releaseLabel="emr-7.12.0", type="SPARK")
    return {
        **aws.environ(),
        "LAKECORE_AWS_ARTIFACTS_BUCKET": bucket,
        "LAKECORE_AWS_EMR_APPLICATION_NAME": f"app-{suffix}",
        "LAKECORE_AWS_EMR_EXECUTION_ROLE_ARN": ROLE,
        "APPLICATION_ID": app["applicationId"],
    }


def _submit(artifacts: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LAKECORE), "submit", "--artifacts", str(artifacts), *args],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def _conf(parameters: str) -> dict[str, str]:
    words = parameters.split()  # as EMR reads them
    assert words[::2] == ["--conf"] * (len(words) // 2)
    return dict(word.split("=", 1) for word in words[1::2])


def test_submit_starts_the_job_run_emr_7_needs(
    artifacts: Path, emr_app: dict[str, str], aws: LocalAws, tmp_path: Path
) -> None:
    landing = "s3://lakecore-dev-lake/landing/2026-11-20"
    env = {
        **cli_env(tmp_path / "local-lake"),
        **emr_app,
        "LAKECORE_QUARANTINE_THRESHOLD": "0.05",
        "LAKECORE_AWS_GLUE_DATABASES": '["lc_bronze","lc_silver","lc_gold"]',
        "LAKECORE_SPARK_MASTER": "local[1]",  # how this machine runs Spark: not the job's
    }
    done = _submit(artifacts, env, "--date", "2026-11-20", "daily", "--landing", landing)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "SUCCESS" in done.stdout

    emr, s3 = aws.client("emr-serverless"), aws.client("s3")
    app = emr_app["APPLICATION_ID"]
    (listed,) = emr.list_job_runs(applicationId=app)["jobRuns"]
    run = emr.get_job_run(applicationId=app, jobRunId=listed["id"])["jobRun"]
    bucket = emr_app["LAKECORE_AWS_ARTIFACTS_BUCKET"]
    prefix = f"s3://{bucket}/{artifacts_prefix(Manifest.load(artifacts))}"
    assert f"artifacts in {prefix} " in done.stdout  # what the DAGs are told to use
    driver = run["jobDriver"]["sparkSubmit"]
    assert run["executionRole"] == ROLE
    assert run["name"] == "lakecore-daily-2026-11-20"
    assert driver["entryPoint"] == f"{prefix}/jobs/daily.py"
    assert driver["entryPointArguments"] == ["--landing", landing]
    conf = _conf(driver["sparkSubmitParameters"])
    assert conf["spark.jars"] == ",".join([*DELTA_JARS, f"{prefix}/{JAR}"])
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf["spark.archives"] == f"{prefix}/{ENVIRONMENT}#environment"
    for key in ("spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON",
                "spark.emr-serverless.driverEnv.PYSPARK_PYTHON", "spark.executorEnv.PYSPARK_PYTHON"):  # fmt: skip
        assert conf[key] == PYTHON
    job_env = {
        k.removeprefix("spark.emr-serverless.driverEnv."): v
        for k, v in conf.items()
        if k.startswith("spark.emr-serverless.driverEnv.LAKECORE_")
    }
    assert job_env == {
        "LAKECORE_ENV": "aws",
        "LAKECORE_LAKE_ROOT": "s3://lakecore-dev-lake",
        "LAKECORE_QUARANTINE_THRESHOLD": "0.05",
        "LAKECORE_AWS_ARTIFACTS_BUCKET": bucket,
        "LAKECORE_AWS_EMR_APPLICATION_NAME": emr_app["LAKECORE_AWS_EMR_APPLICATION_NAME"],
        "LAKECORE_AWS_GLUE_DATABASES": "lc_bronze,lc_silver,lc_gold",
    }
    monitoring = run["configurationOverrides"]["monitoringConfiguration"]
    assert monitoring["cloudWatchLoggingConfiguration"]["logGroupName"] == (
        "/aws/emr-serverless/lakecore"
    )
    # What the run names is in the bucket, byte for byte what was packaged.
    script = s3.get_object(Bucket=bucket, Key=driver["entryPoint"].split(f"{bucket}/", 1)[1])
    assert script["Body"].read() == (artifacts / "jobs" / "daily.py").read_bytes()
    archive = conf["spark.archives"].removesuffix("#environment").split(f"{bucket}/", 1)[1]
    size = s3.head_object(Bucket=bucket, Key=archive)["ContentLength"]
    assert size == (artifacts / ENVIRONMENT).stat().st_size
    jar = s3.get_object(Bucket=bucket, Key=f"{artifacts_prefix(Manifest.load(artifacts))}/{JAR}")
    assert jar["Body"].read() == (artifacts / JAR).read_bytes()
    # The token the server was given: the job, its arguments, the date, the attempt.
    (started,) = emrserverless_backends[ACCOUNT][aws.region].job_runs[app]
    assert started.client_token == client_token("daily", ["--landing", landing], DAY, 1)


def test_the_same_job_and_day_carries_the_same_token_and_uploads_nothing_again(
    artifacts: Path, emr_app: dict[str, str], aws: LocalAws, tmp_path: Path
) -> None:
    env = {**cli_env(tmp_path / "lake"), **emr_app}
    args = ("--date", "2026-11-21", "--no-wait", "register", "--db", "gold")
    first, again = _submit(artifacts, env, *args), _submit(artifacts, env, *args)
    assert first.returncode == again.returncode == 0, first.stderr[-2000:] + again.stderr[-2000:]
    assert "submit.upload" in first.stderr
    assert "submit.upload" not in again.stderr  # same content, same digest: nothing sent twice
    retried = _submit(artifacts, env, "--attempt", "2", *args)
    assert retried.returncode == 0, retried.stderr[-2000:]

    token = client_token("register", ["--db", "gold"], date(2026, 11, 21), 1)
    assert token == client_token("register", ["--db", "gold"], date(2026, 11, 21), 1)
    assert token != client_token("register", ["--db", "gold"], date(2026, 11, 21), 2)
    assert len(token) <= 64


def test_submit_without_a_role_or_artifacts_is_one_line_and_exit_2(
    emr_app: dict[str, str], tmp_path: Path
) -> None:
    no_role = {k: v for k, v in emr_app.items() if k != "LAKECORE_AWS_EMR_EXECUTION_ROLE_ARN"}
    done = _submit(tmp_path / "none", {**cli_env(tmp_path / "lake"), **no_role}, "daily")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "lakecore: error: set LAKECORE_AWS_EMR_EXECUTION_ROLE_ARN (terraform output "
        "emr_execution_role_arn)"
    )
    done = _submit(tmp_path / "none", {**cli_env(tmp_path / "lake"), **emr_app}, "daily")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"lakecore: error: no job artifacts in {tmp_path / 'none'}: run `lakecore package`"
    )


def test_a_package_without_lakecores_jar_is_refused_before_anything_is_sent(
    artifacts: Path, emr_app: dict[str, str], tmp_path: Path
) -> None:
    """A package an older lakecore made (no jars/lakecore.jar): package again, exit 2."""
    old = tmp_path / "old"
    shutil.copytree(artifacts, old)
    (old / JAR).unlink()
    manifest = Manifest.load(old)
    replace(manifest, files={k: v for k, v in manifest.files.items() if k != JAR}).save(old)
    done = _submit(old, {**cli_env(tmp_path / "lake"), **emr_app}, "daily")
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        f"lakecore: error: {old} holds no {JAR} (packaged by an older lakecore): package again"
    )
