"""Airflow DAGs of a pipeline's flows (``lakecore.flows.standard_flows``); the DAG file in
``infra/airflow/dags/`` is ``globals().update(dags(Settings()))``.

``LAKECORE_DAG_RUNNER=local`` (the default) runs each step as a ``lakecore`` command on the
worker; ``emr`` starts each as an EMR Serverless job run (deferrable, one client token per
DAG run and task) from the package at ``LAKECORE_AWS_EMR_ARTIFACTS``. A step pulling from a
system the settings do not configure is left out of the DAG.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import DAG, BaseOperator

from adapters.airflow.operators import LakecoreCommandOperator, LakecoreEmrJobOperator
from entrypoints.emr import job_template, uploaded
from entrypoints.jobs import JOBS
from entrypoints.pipelines import load_pipeline
from entrypoints.settings import Settings, configured_systems
from lakecore.errors import ConfigurationError
from lakecore.flows import Flow, Step, standard_flows

#: the first logical date a schedule knows of (no catch-up runs before today)
START = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_ARGS = {"retries": 2, "retry_delay": timedelta(minutes=5)}


def dags(settings: Settings, flows: Sequence[Flow] | None = None) -> dict[str, DAG]:
    """One DAG per flow of the configured pipeline (or of ``flows``), by DAG id."""
    pipeline = load_pipeline(settings.pipeline)
    configured = configured_systems(settings)
    built = {}
    for flow in flows or standard_flows(pipeline):
        built[flow.name] = _dag(flow.for_systems(configured), settings, pipeline.name)
    return built


def _dag(flow: Flow, settings: Settings, pipeline: str) -> DAG:
    with DAG(
        dag_id=flow.name,
        schedule=flow.schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        description=flow.description,
        tags=["lakecore", pipeline],
    ) as dag:
        tasks: dict[str, BaseOperator] = {}
        for step in flow.order():
            tasks[step.name] = _task(step, settings)
            for upstream in step.after:
                tasks[upstream] >> tasks[step.name]
    return dag


def _task(step: Step, settings: Settings) -> BaseOperator:
    arguments = list(step.filled(_placeholders(step, settings)))
    if settings.dag_runner == "local":
        return LakecoreCommandOperator(
            task_id=step.name, arguments=[*JOBS[step.job], *arguments], doc_md=step.description
        )
    return _emr_task(step, arguments, settings)


def _placeholders(step: Step, settings: Settings) -> dict[str, str]:
    values = {"date": "{{ ds }}"}
    if any("{landing}" in a for a in step.arguments):
        if settings.landing is None:
            raise ConfigurationError(
                f"step {step.name} reads the landing files: set LAKECORE_LANDING"
            )
        values["landing"] = settings.landing
    return values


def _emr_task(step: Step, arguments: list[str], settings: Settings) -> BaseOperator:
    aws = settings.aws
    if aws.emr_artifacts is None or aws.emr_execution_role_arn is None:
        raise ConfigurationError(
            "DAGs on EMR Serverless need LAKECORE_AWS_EMR_ARTIFACTS (where `lakecore submit` "
            "uploaded the package) and LAKECORE_AWS_EMR_EXECUTION_ROLE_ARN"
        )
    run = job_template(settings, step.job, arguments, uploaded(aws.emr_artifacts, [step.job]))
    request: dict[str, Any] = run.request("", aws.emr_execution_role_arn)
    return LakecoreEmrJobOperator(
        task_id=step.name,
        application_name=aws.emr_application_name,
        execution_role_arn=aws.emr_execution_role_arn,
        job_driver=request["jobDriver"],
        configuration_overrides=request["configurationOverrides"],
        name=f"{run.name}-{{{{ ds }}}}",
        config={"executionTimeoutMinutes": run.timeout_minutes, "tags": request["tags"]},
        deferrable=True,
        aws_conn_id=None,
        region_name=aws.region,
        doc_md=step.description,
    )
