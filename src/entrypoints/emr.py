"""``lakecore package`` builds what an EMR Serverless job run needs; ``lakecore submit <job>``
uploads it to the artifacts bucket and starts the job there, once per job, day and attempt.

    lakecore package                                  # -> build/emr/
    lakecore submit --date 2026-11-28 daily --landing s3://lake/landing/2026-11-28
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from adapters.emr.artifacts import ENVIRONMENT, JARS_FOLDER, JOBS_FOLDER, Manifest, package
from adapters.emr.serverless import DELTA_JARS, EmrServerless, JobRun, spark_conf
from adapters.files.landing import S3_SCHEMES
from adapters.spark.session import LAKECORE_JAR
from entrypoints.containers import Container, aws_client
from entrypoints.jobs import JOBS
from entrypoints.runner import EXIT_OK, day, local_path, logged, progress
from entrypoints.settings import Settings, job_environment
from lakecore.errors import ConfigurationError, TerminalError, TransientError

ARTIFACTS = Path("build/emr")
#: where a package holds lakecore's jar
JAR = f"{JARS_FOLDER}/{LAKECORE_JAR}"
#: what the environment installs unless told otherwise (PySpark itself comes from the image)
EXTRAS = ("spark", "aws", "salesforce", "snowflake", "kafka")
#: the architecture of the application infra/terraform creates
EMR_PLATFORM = ("Linux", "x86_64")


def add_package_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        type=local_path,
        action="append",
        help="a Python project to build and install (repeatable; default: the current folder)",
    )
    parser.add_argument(
        "--extras",
        default=",".join(EXTRAS),
        help=f"extras of the first project to install (default: {','.join(EXTRAS)})",
    )
    parser.add_argument(
        "--out", type=local_path, default=ARTIFACTS, help=f"folder to write (default {ARTIFACTS})"
    )


def package_command(args: argparse.Namespace) -> int:
    extras = tuple(e.strip() for e in args.extras.split(",") if e.strip())
    container = Container()
    with logged(container, "package"):
        jar = lakecore_jar(container.settings())
        manifest = package(
            args.project or [Path()], args.out, list(JOBS), extras, progress, jars=[jar]
        )
    print(f"packaged lakecore {manifest.version} for {manifest.platform} in {args.out}:")
    for name in manifest.files:
        size = (args.out / name).stat().st_size
        print(f"  {name:<40} {size / 1e6:>9.1f} MB")
    if not for_emr(manifest):
        print("  note: EMR Serverless runs Linux x86_64; package there to submit this")
    return EXIT_OK


def lakecore_jar(settings: Settings) -> Path:
    """lakecore's own jar (``jars/lakecore``: the quality patterns' byte matcher), which a
    job run puts beside the image's Delta."""
    jar = settings.jars_dir / LAKECORE_JAR if settings.jars_dir else None
    if jar is None or not jar.is_file():
        raise ConfigurationError(
            f"lakecore package ships lakecore's jar ({LAKECORE_JAR}) and found none"
            f"{f' in {settings.jars_dir}' if settings.jars_dir else ''}: run `make jars` and "
            "set LAKECORE_JARS_DIR to the folder it fills (build/jars)"
        )
    return jar


def add_submit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--artifacts",
        type=local_path,
        default=ARTIFACTS,
        help=f"what `lakecore package` wrote (default {ARTIFACTS})",
    )
    parser.add_argument("--date", type=day, default=None, help="the run date (default: today, UTC)")
    parser.add_argument(
        "--attempt",
        type=int,
        default=1,
        help="a new attempt for the same job and date starts a new run (default 1)",
    )
    parser.add_argument("--no-wait", action="store_true", help="start the run and return")
    parser.add_argument(
        "--timeout-minutes", type=int, default=240, help="the run's limit on EMR, and the wait's"
    )
    parser.add_argument(
        "--poll-seconds", type=float, default=30.0, help="time between status reads"
    )
    parser.add_argument("job", choices=sorted(JOBS), help="the job to run")
    parser.add_argument(
        "arguments", nargs=argparse.REMAINDER, help="the job's own arguments (as for lakecore)"
    )


def submit_command(args: argparse.Namespace) -> int:
    container = Container()
    with logged(container, "submit"):
        return _submit(container.settings(), args)


def _submit(settings: Settings, args: argparse.Namespace) -> int:
    if settings.aws.emr_execution_role_arn is None:
        raise ConfigurationError(
            "set LAKECORE_AWS_EMR_EXECUTION_ROLE_ARN (terraform output emr_execution_role_arn)"
        )
    if args.timeout_minutes < 5 or args.attempt < 1:
        raise ConfigurationError("--timeout-minutes must be at least 5 and --attempt at least 1")
    manifest = Manifest.load(args.artifacts)
    manifest.check(args.artifacts)
    if JAR not in manifest.files:
        raise ConfigurationError(
            f"{args.artifacts} holds no {JAR} (packaged by an older lakecore): package again"
        )
    if not for_emr(manifest):
        raise ConfigurationError(
            f"{args.artifacts} was packaged on {manifest.platform}; EMR Serverless runs Linux "
            "x86_64: run `lakecore package` there"
        )
    run_date: date = args.date or datetime.now(UTC).date()
    emr = EmrServerless(
        aws_client(settings, "emr-serverless"), aws_client(settings, "s3"), progress
    )
    application = emr.application_id(settings.aws.emr_application_name)
    bucket = settings.aws.artifacts_bucket
    uploads = {
        name: (args.artifacts / name, digest)
        for name, digest in manifest.files.items()
        if name == ENVIRONMENT or name.startswith((f"{JOBS_FOLDER}/", f"{JARS_FOLDER}/"))
    }
    prefix = artifacts_prefix(manifest)
    uris = emr.upload(uploads, bucket, prefix)
    print(f"artifacts in s3://{bucket}/{prefix} (the DAGs' LAKECORE_AWS_EMR_ARTIFACTS)")
    run = job_run(settings, args.job, list(args.arguments), run_date, args.attempt, uris)
    run = replace(run, timeout_minutes=args.timeout_minutes)
    run_id = emr.start(application, settings.aws.emr_execution_role_arn, run)
    print(f"job run {run_id} ({run.name}) on application {application}")
    if args.no_wait:
        return EXIT_OK
    finished = emr.wait(application, run_id, args.timeout_minutes * 60.0, args.poll_seconds)
    if finished is None:
        raise TransientError(
            f"job run {run_id} still running after {args.timeout_minutes} min; submitting "
            "again with the same date and attempt waits for the same run"
        )
    if not finished.succeeded:
        raise TerminalError(
            f"job run {run_id} {finished.state}: {finished.details or 'no details'}"
        )
    print(f"job run {run_id} {finished.state}")
    return EXIT_OK


def for_emr(manifest: Manifest) -> bool:
    """Packaged where EMR Serverless runs it: Linux x86_64."""
    return tuple(manifest.platform.split()[:2]) == EMR_PLATFORM


def artifacts_prefix(manifest: Manifest) -> str:
    """Where a package's files go: one prefix per content, so runs never share a changed file."""
    content = hashlib.sha256(repr(sorted(manifest.files.items())).encode()).hexdigest()[:16]
    return f"lakecore/{manifest.version}/{content}"


def client_token(job: str, arguments: list[str], run_date: date, attempt: int) -> str:
    """The same job, arguments, date and attempt: the same token, so EMR starts it once."""
    digest = hashlib.sha256("\0".join([job, *arguments]).encode()).hexdigest()[:12]
    return f"lakecore-{job}-{run_date:%Y%m%d}-a{attempt}-{digest}"


def job_run(
    settings: Settings,
    job: str,
    arguments: list[str],
    run_date: date,
    attempt: int,
    uris: dict[str, str],
) -> JobRun:
    """The StartJobRun of ``job`` for ``run_date``: named, tagged and tokened by the day."""
    return replace(
        job_template(settings, job, arguments, uris),
        name=f"lakecore-{job}-{run_date.isoformat()}",
        client_token=client_token(job, arguments, run_date, attempt),
        tags={"lakecore:job": job, "lakecore:date": run_date.isoformat()},
    )


def job_template(
    settings: Settings, job: str, arguments: list[str], uris: dict[str, str]
) -> JobRun:
    """The StartJobRun of ``job`` before a day is given (name, token and tags): its script,
    its arguments, the settings the job needs."""
    environment = job_environment(settings)
    if urlsplit(settings.lake_root).scheme not in S3_SCHEMES:
        environment["LAKECORE_LAKE_ROOT"] = f"s3://{settings.aws.lake_bucket}"
    return JobRun(
        name=f"lakecore-{job}",
        entry_point=uris[f"{JOBS_FOLDER}/{job}.py"],
        arguments=tuple(arguments),
        client_token="",
        conf=spark_conf(uris[ENVIRONMENT], environment, jars=(*DELTA_JARS, uris[JAR])),
        log_group=settings.aws.log_group,
        log_uri=f"s3://{settings.aws.artifacts_bucket}/logs/",
        tags={"lakecore:job": job},
    )


def uploaded(prefix: str, jobs: list[str]) -> dict[str, str]:
    """Where the files of a package uploaded under the ``s3://`` ``prefix`` are."""
    names = [ENVIRONMENT, JAR, *(f"{JOBS_FOLDER}/{job}.py" for job in jobs)]
    return {name: f"{prefix.rstrip('/')}/{name}" for name in names}
