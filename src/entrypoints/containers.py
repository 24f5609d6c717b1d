"""The one DI container: which adapters a run uses, chosen by ``LAKECORE_ENV``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import structlog
from dependency_injector import containers, providers
from pyspark.sql import DataFrame, SparkSession

from adapters.delta.maintenance import DeltaMaintenance
from adapters.delta.store import DeltaTableStore
from adapters.files.landing import S3_SCHEMES
from adapters.files.reports import LocalReportStore
from adapters.secrets.local import LocalSecretStore
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from adapters.spark.session import cluster_session, local_session, s3_settings
from entrypoints import logs
from entrypoints.pipelines import load_pipeline
from entrypoints.settings import (
    Environment,
    GateExecutor,
    Settings,
    SparkProfile,
    secret_variables,
    switch,
    under_spark_submit,
)
from lakecore.catalog import Catalog
from lakecore.errors import ConfigurationError, TableNotFound
from lakecore.gate import Gate
from lakecore.lineage import LineageSink, NoLineage, Observed, ObservedReports
from lakecore.pipeline import Pipeline
from lakecore.ports import QualityGate, ReportHistory, SecretStore, Source
from lakecore.schema import TableId

log = structlog.get_logger("lakecore")


def spark_session(settings: Settings) -> Iterator[SparkSession]:
    """The session ``spark-submit`` started (EMR Serverless, or a local ``spark-submit``), or a
    local one with Delta's jars and S3A, in either environment: ``LAKECORE_ENV=aws`` picks
    the AWS adapters, not where Spark runs."""
    if under_spark_submit():
        yield from cluster_session()
        return
    aws = settings.aws
    profile = spark_profile(settings)
    small = profile is SparkProfile.SMALL
    log.info("spark.local", master=settings.spark_master, profile=profile.value)
    yield from local_session(
        master=settings.spark_master,
        jars_dir=settings.jars_dir,
        shuffle_partitions=settings.spark_shuffle_partitions,
        ui=settings.spark_ui,
        extra=s3_settings(aws.region, aws.endpoint_url, aws.s3_path_style),
        small_data=small,
    )


def secret_store(settings: Settings, reveal: Callable[[str], None]) -> SecretStore:
    """``aws``: Secrets Manager; ``local``: ``LAKECORE_SECRET_*`` variables or owner-only
    files. Every value fetched is handed to ``reveal`` (the log masker)."""
    if settings.env is Environment.AWS:
        from adapters.secrets.aws import SecretsManagerStore

        return SecretsManagerStore(aws_client(settings, "secretsmanager"), reveal)
    return LocalSecretStore(secret_variables(), settings.secrets_dir, reveal)


def aws_client(settings: Settings, service: str) -> Any:
    """A boto3 client in the configured region; the endpoint is boto3's own (the standard
    ``AWS_ENDPOINT_URL``) unless ``LAKECORE_AWS_ENDPOINT_URL`` names one."""
    try:
        import boto3
    except ImportError as exc:
        raise ConfigurationError(
            f"AWS needs the aws extra: pip install 'lakecore[aws]' ({exc.name})"
        ) from None
    return boto3.client(
        service, region_name=settings.aws.region, endpoint_url=settings.aws.endpoint_url
    )


def report_store(settings: Settings, mask: Callable[[str], str]) -> ReportHistory:
    """Quality reports under ``<lake>/gold/quality/``: in the bucket for a lake on S3, in the
    folder for a local one."""
    folder = local_lake(settings)
    if folder is None:
        from adapters.files.s3 import S3ReportStore  # boto3: the aws extra

        root = urlsplit(settings.lake_root)
        return S3ReportStore(aws_client(settings, "s3"), root.netloc, root.path, mask=mask)
    return LocalReportStore(folder, mask)


def local_lake(settings: Settings) -> Path | None:
    """The lake's folder when it is on this machine (a path or ``file://``), else None."""
    root = urlsplit(settings.lake_root)
    if root.scheme in S3_SCHEMES:
        return None
    return Path(root.path if root.scheme == "file" else settings.lake_root)


def existing_lake(settings: Settings) -> None:
    """Refuse, before Spark starts, a command that reads the lake when the lake root is a
    folder on this machine that does not exist: nothing has run there (or the setting names
    the wrong place). A lake on S3 is not checked here: its tables say it."""
    lake = local_lake(settings)
    if lake is not None and not lake.is_dir():
        raise TableNotFound(
            f"no lake at {lake}: nothing has run there yet (LAKECORE_LAKE_ROOT names the lake; "
            "`lakecore run daily` makes one)"
        )


#: Under ``LAKECORE_SPARK_PROFILE=auto``, a run that may read less than this (its landing
#: and a local lake) gets the small-data session: a 250,000-record day (78 MB of landing)
#: took as long either way, a 1M-record day 1.8x longer with it.
SMALL_DATA_BYTES = 32 * 2**20


def spark_profile(settings: Settings, reading: int = 0) -> SparkProfile:
    """The profile ``auto`` stands for: small when ``reading`` bytes (a run's landing) and the
    lake's files (none counted for a lake on S3) are less than ``SMALL_DATA_BYTES``."""
    if settings.spark_profile is not SparkProfile.AUTO:
        return settings.spark_profile
    lake = local_lake(settings)
    total = reading + (bytes_under(lake, SMALL_DATA_BYTES) if lake else 0)
    return SparkProfile.SMALL if total < SMALL_DATA_BYTES else SparkProfile.LARGE


def bytes_under(root: Path, enough: int) -> int:
    """The size of the files under ``root`` (0 when it does not exist), counted up to
    ``enough``."""
    total = 0
    for path in root.rglob("*"):
        if path.is_file():
            total += path.stat().st_size
            if total >= enough:
                break
    return total


def lineage_sink(settings: Settings, pipeline: Pipeline, store: DeltaTableStore) -> LineageSink:
    """OpenLineage run events to ``LAKECORE_LINEAGE_URL`` (a URL or a file); by default to
    ``<lake>/_ops/lineage.jsonl`` for a local lake, none for a lake on S3; ``off``: none."""
    target = settings.lineage_url
    lake = local_lake(settings)
    if target is None and lake is not None:
        folder = lake / "_ops"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:  # the job says so itself, in one line, when it writes the lake
            return NoLineage()
        target = str(folder / "lineage.jsonl")
    if target is None or target == "off":
        return NoLineage()
    try:
        from adapters.openlineage.emitter import OpenLineageSink, client
    except ImportError as exc:
        raise ConfigurationError(
            f"lineage needs openlineage-python: pip install 'lakecore[spark]' ({exc.name})"
        ) from None
    return OpenLineageSink(client(target), pipeline.name, store.location)


def glue_catalog(settings: Settings) -> Catalog:
    from adapters.glue.catalog import GlueCatalog

    return GlueCatalog(aws_client(settings, "glue"))


def snowflake_source(
    settings: Settings, secrets: SecretStore, window: tuple[date, date] | None = None
) -> Source:
    """Snowflake as a source, over ``window`` (days, both included) when given. The
    connector is an extra, imported only when Snowflake is configured."""
    if not settings.snowflake_database:
        raise ConfigurationError(f"snowflake is not configured: set {switch('snowflake')}")
    try:
        from adapters.snowflake.source import SnowflakeConfig, SnowflakeSource, Window
    except ImportError as exc:
        raise ConfigurationError(
            f"snowflake needs the snowflake extra: pip install 'lakecore[snowflake]' ({exc.name})"
        ) from None
    config = SnowflakeConfig(
        database=settings.snowflake_database,
        schema=settings.snowflake_schema,
        warehouse=settings.snowflake_warehouse,
        role=settings.snowflake_role,
        host=settings.snowflake_host,
        port=settings.snowflake_port,
        protocol=settings.snowflake_protocol,
        lookback_days=settings.snowflake_lookback_days,
    )
    return SnowflakeSource(config, secrets, Window(*window) if window else None)


def salesforce_source(settings: Settings, secrets: SecretStore) -> Source:
    """Salesforce as a source; simple-salesforce is an extra, imported only when configured."""
    if not settings.salesforce_login_url:
        raise ConfigurationError(f"salesforce is not configured: set {switch('salesforce')}")
    try:
        from adapters.salesforce.source import SalesforceConfig, SalesforceSource
    except ImportError as exc:
        raise ConfigurationError(
            f"salesforce needs the salesforce extra: pip install 'lakecore[salesforce]' ({exc.name})"
        ) from None
    config = SalesforceConfig(
        login_url=settings.salesforce_login_url,
        lookback=timedelta(minutes=settings.salesforce_lookback_minutes),
        bulk_threshold=settings.salesforce_bulk_threshold,
        chunk_records=settings.salesforce_chunk_records,
        ca_bundle=str(settings.salesforce_ca_bundle) if settings.salesforce_ca_bundle else None,
    )
    return SalesforceSource(config, secrets)


def configured_sources(settings: Settings, secrets: SecretStore) -> dict[str, Source]:
    """The systems a run pulls from, by the name pipelines give them: those configured."""
    sources: dict[str, Source] = {}
    if settings.snowflake_database:
        sources["snowflake"] = snowflake_source(settings, secrets)
    if settings.salesforce_login_url:
        sources["salesforce"] = salesforce_source(settings, secrets)
    return sources


def table_locations(settings: Settings, pipeline: Pipeline) -> dict[TableId, str]:
    """Tables kept outside ``<lake>/<layer>/<name>``: streams' dead letters, when
    ``LAKECORE_STREAM_DEAD_LETTERS`` says where."""
    root = (settings.stream_dead_letters or "").rstrip("/")
    if not root:
        return {}
    return {s.dead_letters.id: f"{root}/{s.folder}" for s in pipeline.streams}


def quality_executor(settings: Settings) -> QualityGate[DataFrame]:
    """The gate's executor, by setting: native single-pass Spark (default) or GX."""
    if settings.gate_executor is GateExecutor.GX:
        from adapters.gx.gate import GreatExpectationsGate  # GX is slow to import: on demand

        gx: QualityGate[DataFrame] = GreatExpectationsGate(docs_dir=settings.gx_docs_dir)
        return gx
    if settings.gate_executor is GateExecutor.NATIVE:
        return SparkGate()
    raise ConfigurationError(f"gate executor {settings.gate_executor} cannot run on Spark")


class Container(containers.DeclarativeContainer):
    """``local``: Spark on this machine, Delta under a local folder (the default).
    ``aws``: the cluster's Spark (EMR Serverless), Delta on S3; the AWS adapters
    (Glue, Secrets Manager, S3 reports) plug in here as they arrive.
    """

    settings = providers.Singleton(Settings)

    # The pipeline a run executes: the orders lakehouse unless told otherwise.
    pipeline = providers.Singleton(load_pipeline, settings.provided.pipeline)

    # Every log line masks these values; the SecretStore adapters add the secrets they fetch.
    secret_values = providers.Singleton(logs.SecretValues)

    logging = providers.Resource(
        logs.configure,
        log_format=settings.provided.log_format,
        level=settings.provided.log_level,
        secrets=secret_values,
    )

    # One Resource that picks by environment: a Selector of two Resources would have
    # init_resources() start both sessions, and the first one started wins.
    spark = providers.Resource(spark_session, settings)

    # Credentials: Secrets Manager (aws), or LAKECORE_SECRET_* variables or owner-only files
    # (local); every value is masked.
    secrets = providers.Singleton(secret_store, settings, secret_values.provided.add)
    sources = providers.Singleton(configured_sources, settings, secrets)
    # Where tables are registered for Athena: Glue.
    catalog = providers.Singleton(glue_catalog, settings)

    engine = providers.Singleton(SparkEngine, spark, settings.provided.spark_side_by_side)
    # What a run reads, writes and judges, for its lineage events.
    observed = providers.Singleton(Observed)
    store = providers.Singleton(
        DeltaTableStore,
        spark,
        settings.provided.lake_root,
        locations=providers.Callable(table_locations, settings, pipeline),
        observed=observed,
    )
    landing = providers.Factory(SparkFileLanding, spark)

    maintenance = providers.Singleton(DeltaMaintenance, spark, store)
    quality_executor = providers.Singleton(quality_executor, settings)
    # Reports as files (local or S3), read back by ``lakecore report``; a run's go through
    # ``reports``, which also records them for lineage.
    report_files = providers.Singleton(report_store, settings, secret_values.provided.mask_text)
    reports = providers.Singleton(ObservedReports, report_files, observed)
    lineage = providers.Singleton(lineage_sink, settings, pipeline, store)
    gate = providers.Singleton(
        Gate,
        executor=quality_executor,
        reports=reports,
        suites=pipeline.provided.suites,
        quarantine_threshold=settings.provided.quarantine_threshold,
    )
