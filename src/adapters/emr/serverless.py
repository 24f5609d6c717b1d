"""EMR Serverless through boto3: upload a job's artifacts, start its run once, wait for it.

The run's Spark configuration is the one EMR 7.x documents: Delta from the image's jars,
the packed environment as the Python of the driver and the executors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.boto import aws_errors
from lakecore.errors import ConfigurationError

#: Delta Lake as the EMR 7.x image ships it.
DELTA_JARS = (
    "/usr/share/aws/delta/lib/delta-spark.jar",
    "/usr/share/aws/delta/lib/delta-storage.jar",
)
#: where EMR Serverless unpacks ``spark.archives=<uri>#environment``
PYTHON = "./environment/bin/python"
FINISHED = {"SUCCESS": True, "FAILED": False, "CANCELLED": False}
#: metadata key carrying an uploaded object's sha256, so the same file is not sent twice
DIGEST = "lakecore-sha256"


def spark_conf(
    archive: str, environment: Mapping[str, str], jars: Iterable[str] = DELTA_JARS
) -> dict[str, str]:
    """The ``--conf`` settings of a lakecore job run: Delta, the packed Python, and the job's
    ``LAKECORE_*`` settings in the driver's environment."""
    conf = {
        "spark.jars": ",".join(jars),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.archives": f"{archive}#environment",
        "spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON": PYTHON,
        "spark.emr-serverless.driverEnv.PYSPARK_PYTHON": PYTHON,
        "spark.executorEnv.PYSPARK_PYTHON": PYTHON,
        "spark.emr-serverless.driverEnv.TZ": "UTC",
        "spark.executorEnv.TZ": "UTC",
    }
    for name, value in sorted(environment.items()):
        conf[f"spark.emr-serverless.driverEnv.{name}"] = value
    return conf


def submit_parameters(conf: Mapping[str, str]) -> str:
    """``sparkSubmitParameters``: EMR splits them on spaces, so no value may hold one."""
    spaced = sorted(
        key for key, value in conf.items() if not value or any(c.isspace() for c in value)
    )
    if spaced:
        raise ConfigurationError(
            f"a job setting cannot be empty or contain spaces on EMR Serverless: {', '.join(spaced)}"
        )
    return " ".join(f"--conf {key}={value}" for key, value in conf.items())


@dataclass(frozen=True, slots=True)
class JobRun:
    """One StartJobRun: what runs, with which token, where its logs go."""

    name: str
    entry_point: str
    arguments: tuple[str, ...]
    #: the same token within EMR's idempotency window returns the first run, never a second
    client_token: str
    conf: Mapping[str, str]
    log_group: str
    log_uri: str
    timeout_minutes: int = 240
    tags: Mapping[str, str] = field(default_factory=dict)

    def request(self, application_id: str, role_arn: str) -> dict[str, Any]:
        return {
            "applicationId": application_id,
            "clientToken": self.client_token,
            "executionRoleArn": role_arn,
            "name": self.name,
            "executionTimeoutMinutes": self.timeout_minutes,
            "jobDriver": {
                "sparkSubmit": {
                    "entryPoint": self.entry_point,
                    "entryPointArguments": list(self.arguments),
                    "sparkSubmitParameters": submit_parameters(self.conf),
                }
            },
            "configurationOverrides": {
                "monitoringConfiguration": {
                    "cloudWatchLoggingConfiguration": {
                        "enabled": True,
                        "logGroupName": self.log_group,
                    },
                    "s3MonitoringConfiguration": {"logUri": self.log_uri},
                }
            },
            "tags": dict(self.tags),
        }


@dataclass(frozen=True, slots=True)
class Finished:
    run_id: str
    state: str
    details: str

    @property
    def succeeded(self) -> bool:
        return FINISHED.get(self.state, False)


class EmrServerless:
    def __init__(
        self,
        emr: Any,
        s3: Any,
        progress: Callable[..., None],
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._emr, self._s3, self._progress = emr, s3, progress
        self._sleep, self._clock = sleep, clock

    def application_id(self, name: str) -> str:
        return application_id(self._emr, name)

    def upload(
        self, files: Mapping[str, tuple[Path, str]], bucket: str, prefix: str
    ) -> dict[str, str]:
        """``files`` (name -> (path, sha256)) to ``s3://bucket/prefix/name``; a file already
        there with the same digest is not sent again. Returns name -> URI."""
        uris = {}
        for name, (path, digest) in files.items():
            key = f"{prefix.strip('/')}/{name}"
            uris[name] = f"s3://{bucket}/{key}"
            if self._digest(bucket, key) == digest:
                continue
            self._progress("submit.upload", object=uris[name], bytes=path.stat().st_size)
            with aws_errors(f"uploading {path} to {uris[name]}"):
                self._s3.upload_file(
                    str(path), bucket, key, ExtraArgs={"Metadata": {DIGEST: digest}}
                )
        return uris

    def _digest(self, bucket: str, key: str) -> str | None:
        try:
            head = self._s3.head_object(Bucket=bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            with aws_errors(f"reading s3://{bucket}/{key}"):
                raise
        return str(head.get("Metadata", {}).get(DIGEST, "")) or None

    def start(self, application_id: str, role_arn: str, run: JobRun) -> str:
        with aws_errors(f"starting job run {run.name}"):
            started = self._emr.start_job_run(**run.request(application_id, role_arn))
        self._progress("submit.started", job_run=started["jobRunId"], name=run.name)
        return str(started["jobRunId"])

    def wait(
        self, application_id: str, run_id: str, timeout_s: float, poll_s: float
    ) -> Finished | None:
        """Poll the run until it finishes (its last state) or ``timeout_s`` passes (None)."""
        deadline, last = self._clock() + timeout_s, ""
        while True:
            with aws_errors(f"reading job run {run_id}"):
                run = self._emr.get_job_run(applicationId=application_id, jobRunId=run_id)["jobRun"]
            state = run["state"]
            if state != last:
                self._progress("submit.state", job_run=run_id, state=state)
                last = state
            if state in FINISHED:
                return Finished(run_id, state, str(run.get("stateDetails", "")))
            if self._clock() + poll_s > deadline:
                return None
            self._sleep(poll_s)


def application_id(emr: Any, name: str) -> str:
    """The id of the application called ``name`` that is not terminated (``emr``: a boto3
    EMR Serverless client)."""
    with aws_errors(f"listing EMR Serverless applications for {name}"):
        found = [
            app["id"]
            for page in emr.get_paginator("list_applications").paginate()
            for app in page["applications"]
            if app["name"] == name and app["state"] != "TERMINATED"
        ]
    if len(found) != 1:
        raise ConfigurationError(
            f"EMR Serverless application {name!r}: {len(found)} found, need exactly one "
            "(LAKECORE_AWS_EMR_APPLICATION_NAME; infra/terraform creates it)"
        )
    return str(found[0])
