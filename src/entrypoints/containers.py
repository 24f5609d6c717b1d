"""The one DI container: which adapters a run uses, chosen by ``LAKECORE_ENV``."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.delta.store import DeltaTableStore
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.session import cluster_session, local_session
from entrypoints import logs
from entrypoints.settings import Settings


class Container(containers.DeclarativeContainer):
    """``local``: Spark on this machine, Delta under a local folder (the default).
    ``aws``: the cluster's Spark (EMR Serverless), Delta on S3; the AWS adapters
    (Glue, Secrets Manager, S3 reports) plug in here as they arrive.
    """

    settings = providers.Singleton(Settings)

    logging = providers.Resource(
        logs.configure, log_format=settings.provided.log_format, level=settings.provided.log_level
    )

    spark = providers.Selector(
        settings.provided.env,
        local=providers.Resource(
            local_session,
            master=settings.provided.spark_master,
            jars_dir=settings.provided.jars_dir,
            shuffle_partitions=settings.provided.spark_shuffle_partitions,
            ui=settings.provided.spark_ui,
        ),
        aws=providers.Resource(cluster_session),
    )

    engine = providers.Singleton(SparkEngine, spark)
    store = providers.Singleton(DeltaTableStore, spark, settings.provided.lake_root)
    landing = providers.Factory(SparkFileLanding, spark)
