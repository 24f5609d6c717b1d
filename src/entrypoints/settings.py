"""The one typed settings object. ``os.environ`` is read here and nowhere else."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from adapters.files.landing import S3_SCHEMES

#: Where a lake may be: a local folder (``file://`` or a path) or S3.
LAKE_SCHEMES = ("file", *S3_SCHEMES)
#: The orders lakehouse, the pipeline the command line runs unless told otherwise.
DEFAULT_PIPELINE = "pipelines.orders:PIPELINE"


class Environment(StrEnum):
    LOCAL = "local"
    AWS = "aws"


class SparkProfile(StrEnum):
    """How a local session's JVM and Spark run expressions (``adapters.spark.session``)."""

    #: ``small`` for a run that may read little (its landing and a local lake under 32 MB),
    #: ``large`` for the rest and for a stream
    AUTO = "auto"
    #: interpreted expressions and a quickly compiling JIT: a small day in a third less time
    SMALL = "small"
    #: Spark's defaults (generated code, the full JIT): what large inputs need
    LARGE = "large"


class GateExecutor(StrEnum):
    NATIVE = "native"
    GX = "gx"
    MEMORY = "memory"


def _names(value: object) -> object:
    """``a,b,c`` as well as the JSON list ``["a","b","c"]``."""
    if isinstance(value, str):
        text = value.strip()
        return json.loads(text) if text.startswith("[") else [n.strip() for n in text.split(",")]
    return value


#: Names of AWS resources, from ``a,b`` or ``["a","b"]``
Names = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_names)]


class AwsNames(BaseSettings):
    """Names of the AWS resources the jobs use; ``infra/terraform`` creates them with the same names."""

    model_config = SettingsConfigDict(
        env_prefix="LAKECORE_AWS_", frozen=True, hide_input_in_errors=True
    )

    region: str = "eu-west-1"
    lake_bucket: str = "lakecore-dev-lake"
    artifacts_bucket: str = "lakecore-dev-artifacts"
    #: a JSON list or comma-separated names
    glue_databases: Names = ("lakecore_bronze", "lakecore_silver", "lakecore_gold")
    secret_names: Names = ("lakecore/salesforce", "lakecore/snowflake", "lakecore/kafka")
    emr_application_name: str = "lakecore"
    log_group: str = "/aws/emr-serverless/lakecore"
    #: the Athena workgroup for lakecore's queries (engine v3, results in the artifacts bucket)
    athena_workgroup: str = "lakecore"
    #: the role EMR Serverless runs the jobs as (Terraform's output ``emr_execution_role_arn``)
    emr_execution_role_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/"
    )
    #: an endpoint other than AWS's for every service (a local server); the standard
    #: ``AWS_ENDPOINT_URL`` works too
    endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("LAKECORE_AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL")
    )
    #: S3 addressed as ``<endpoint>/<bucket>`` (local servers) instead of ``<bucket>.<endpoint>``
    s3_path_style: bool = False
    #: the ``s3://`` prefix of the package the DAGs' EMR job runs use (``lakecore submit``
    #: prints where it uploaded one)
    emr_artifacts: str | None = Field(default=None, pattern="^s3://[^/]+/")


class Settings(BaseSettings):
    """Everything a lakecore job can be told, from ``LAKECORE_*`` environment variables.

    Holds no secrets (they come from the SecretStore), and a validation error never repeats
    the value it rejected, in case a secret was put where it does not belong.
    """

    model_config = SettingsConfigDict(
        env_prefix="LAKECORE_", frozen=True, hide_input_in_errors=True
    )

    env: Environment = Environment.LOCAL
    #: the pipeline to run, as ``module:attribute`` (the orders lakehouse by default)
    pipeline: str = DEFAULT_PIPELINE
    lake_root: str = Field(default="./lake", min_length=1)
    #: where landing files arrive (a path or ``s3://bucket/prefix``): the default of
    #: ``run daily --landing`` and the DAGs' landing step
    landing: str | None = None
    #: how the Airflow DAGs run the jobs: ``local`` (``lakecore`` commands on the worker) or
    #: ``emr`` (EMR Serverless job runs)
    dag_runner: str = Field(default="local", pattern="^(local|emr)$")
    #: where jobs send OpenLineage run events: an ``http(s)://`` URL, a file, or ``off``
    #: (default: ``<lake>/_ops/lineage.jsonl`` for a local lake, none for one on S3)
    lineage_url: str | None = None
    #: a folder of JVM jars for local Spark; unset, Spark fetches them into ~/.ivy2 once
    jars_dir: Path | None = None
    spark_master: str = "local[2]"
    spark_shuffle_partitions: int = Field(default=8, ge=1)
    #: how many independent tables a job works on at once (1: one after another)
    spark_side_by_side: int = Field(default=4, ge=1)
    spark_ui: bool = False
    #: ``auto``, ``small`` or ``large`` (``SparkProfile``); local sessions only
    spark_profile: SparkProfile = SparkProfile.AUTO
    log_format: str = Field(default="auto", pattern="^(auto|json|console)$")
    log_level: str = "INFO"
    gate_executor: GateExecutor = GateExecutor.NATIVE
    #: a run whose quarantined share of incoming records is above this fails the gate
    quarantine_threshold: float = Field(default=0.01, ge=0, le=1)
    #: where the gx executor builds its HTML Data Docs (none when unset)
    gx_docs_dir: Path | None = None
    #: Salesforce is pulled (objects of datasets with an extraction) when this is set: the
    #: OAuth login URL, https://login.salesforce.com or a My Domain URL
    salesforce_login_url: str | None = Field(default=None, pattern="^https://")
    #: how far before its cursor each extraction reads again (late-visible records)
    salesforce_lookback_minutes: float = Field(default=10, ge=0)
    #: a first load of more records than this runs as a Bulk API 2.0 job
    salesforce_bulk_threshold: int = Field(default=100_000, ge=0)
    #: records per bronze commit (what the driver holds at once)
    salesforce_chunk_records: int = Field(default=50_000, ge=1)
    #: a CA bundle to trust for Salesforce (a local stand-in's); the system's when unset
    salesforce_ca_bundle: Path | None = None
    #: Snowflake is pulled (tables of datasets with an extraction) when this is set
    snowflake_database: str | None = None
    snowflake_schema: str = "PUBLIC"
    snowflake_warehouse: str | None = None
    snowflake_role: str | None = None
    #: where the connector connects, for a local stand-in (fakesnow); the account's URL if unset
    snowflake_host: str | None = None
    snowflake_port: int | None = None
    snowflake_protocol: str = Field(default="https", pattern="^https?$")
    #: how many days before its cursor a daily extraction reads again
    snowflake_lookback_days: int = Field(default=3, ge=0)
    #: Kafka brokers (``host:port,...``): the stream reads from them when this is set
    kafka_bootstrap_servers: str | None = None
    #: the topic a stream reads, when not the one its pipeline names
    kafka_topic: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,249}$")
    #: how long the broker may stay silent before a command gives up with exit 75
    kafka_timeout_seconds: float = Field(default=30, gt=0)
    #: where streams keep their checkpoints, one folder per topic (``<lake>/_checkpoints``)
    stream_checkpoints: str | None = None
    #: where streams keep their dead-letter tables, one per topic (``<lake>/_dlq``)
    stream_dead_letters: str | None = None
    #: seconds between micro-batches of a running stream
    stream_trigger_seconds: float = Field(default=30, gt=0)
    #: where a stream starts the first time: ``earliest`` (all history), ``latest``, or
    #: Spark's JSON of offsets per partition
    stream_starting_offsets: str = "earliest"
    #: at most this many records per micro-batch (unbounded when unset)
    stream_max_offsets_per_trigger: int | None = Field(default=None, ge=1)
    #: a folder of ``<name>.json`` secrets (owner-only), after ``LAKECORE_SECRET_*`` variables
    secrets_dir: Path | None = None
    aws: AwsNames = Field(default_factory=AwsNames)

    @field_validator("lake_root")
    @classmethod
    def _no_credentials_in_lake_root(cls, value: str) -> str:
        root = urlsplit(value)
        if "@" in root.netloc:
            raise ValueError("must not carry credentials; S3 access comes from the job's IAM role")
        if "://" in value and root.scheme not in LAKE_SCHEMES:
            raise ValueError("must be a local path or an s3:// (s3a://) URI")
        if root.scheme in S3_SCHEMES and not root.netloc:
            raise ValueError("must name a bucket: s3://<bucket>/<prefix>")
        return value


#: The setting that turns each system on: a system whose setting is unset is not pulled from.
SWITCHES = {
    "salesforce": "salesforce_login_url",
    "snowflake": "snowflake_database",
    "kafka": "kafka_bootstrap_servers",
}


def configured_systems(settings: Settings) -> frozenset[str]:
    """The systems this deployment pulls from."""
    return frozenset(system for system, name in SWITCHES.items() if getattr(settings, name))


def switch(system: str) -> str:
    """The environment variable that turns ``system`` on."""
    return f"LAKECORE_{SWITCHES[system].upper()}"


#: How to reach AWS and run Spark from this machine: a job run on EMR Serverless has its own.
NOT_FOR_JOBS = frozenset(
    {"env", "jars_dir", "spark_master", "spark_ui", "spark_profile", "secrets_dir", "gx_docs_dir",
     "log_format", "dag_runner"}
)  # fmt: skip
NOT_FOR_JOBS_AWS = frozenset(
    {"endpoint_url", "s3_path_style", "emr_execution_role_arn", "emr_artifacts"}
)


def job_environment(settings: Settings) -> dict[str, str]:
    """The ``LAKECORE_*`` variables that give a job run on AWS the settings set here (those
    not left at their defaults), with ``LAKECORE_ENV=aws``."""
    environment = {"LAKECORE_ENV": Environment.AWS.value}
    for prefix, model, skipped in (
        ("LAKECORE_", settings, NOT_FOR_JOBS | {"aws"}),
        ("LAKECORE_AWS_", settings.aws, NOT_FOR_JOBS_AWS),
    ):
        for name in sorted(model.model_fields_set - skipped):
            value = getattr(model, name)
            if value is not None:
                environment[prefix + name.upper()] = _variable(value)
    return environment


def _variable(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple | list):  # no quotes or spaces: EMR splits its parameters
        return ",".join(map(str, value))
    return str(value.value if isinstance(value, StrEnum) else value)


def secret_variables() -> dict[str, str]:
    """The ``LAKECORE_SECRET_*`` variables: what the local SecretStore may hand out."""
    return {k: v for k, v in os.environ.items() if k.startswith("LAKECORE_SECRET_")}


def under_spark_submit() -> bool:
    """True in a Python driver that ``spark-submit`` started (EMR Serverless does): its JVM is
    already running, with the cluster's settings and jars, and hands its port over."""
    return "PYSPARK_GATEWAY_PORT" in os.environ
