"""The lake's Delta tables as a catalog should record them: found by their ``_delta_log/``,
columns from the Delta schema, located as Athena reads S3 (``s3://``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from delta.tables import DeltaTable
from py4j.protocol import Py4JJavaError
from pyspark.sql import SparkSession

from adapters.delta.store import absolute_location, translated
from lakecore.catalog import CatalogColumn, CatalogTable
from lakecore.errors import ConfigurationError, first_line
from lakecore.schema import Layer, TableId


def lake_tables(
    spark: SparkSession,
    lake_root: str,
    layer: Layer,
    database: str,
    descriptions: Mapping[TableId, str] | None = None,
) -> list[CatalogTable]:
    """Every Delta table directly under ``<lake_root>/<layer>/`` (local or S3), by name.

    A ``_delta_log/`` without a commit (its creation was cut off; the next write completes
    it) is not a table yet and is left out.
    """
    folder = f"{absolute_location(lake_root)}/{layer.value}"
    found = []
    for name, location in _delta_folders(spark, folder):
        with translated(TableId(layer, name)):
            if not DeltaTable.isDeltaTable(spark, location):
                continue
            schema = spark.read.format("delta").load(location).schema
        found.append(
            CatalogTable(
                database,
                name,
                athena_location(location),
                tuple(CatalogColumn(f.name, f.dataType.simpleString()) for f in schema.fields),
                (descriptions or {}).get(TableId(layer, name), ""),
            )
        )
    return found


def athena_location(location: str) -> str:
    """Athena and Glue name S3 ``s3://``; Spark's connector reads it as ``s3a://``."""
    return "s3://" + location.removeprefix("s3a://") if location.startswith("s3a://") else location


def _delta_folders(spark: SparkSession, folder: str) -> list[tuple[str, str]]:
    try:
        return _listed(spark, folder)
    except Py4JJavaError as exc:
        first = first_line(exc.java_exception)
        raise ConfigurationError(f"cannot list the lake at {folder}: {first}") from None


def _listed(spark: SparkSession, folder: str) -> list[tuple[str, str]]:
    jvm: Any = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(folder)
    fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return []
    tables = []
    for status in fs.listStatus(path):
        child = status.getPath()
        if status.isDirectory() and fs.exists(jvm.org.apache.hadoop.fs.Path(child, "_delta_log")):
            tables.append((str(child.getName()), f"{folder}/{child.getName()}"))
    return sorted(tables)
