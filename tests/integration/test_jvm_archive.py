"""Local drivers start from lakecore's class-data archive (``make jars`` builds it from the
jars: ``entrypoints.jvm_archive``), and the JVM maps it: it matches the jars it was made of."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from adapters.spark.session import JVM_ARCHIVE

pytestmark = pytest.mark.spark


def test_the_driver_maps_the_class_archive_of_its_jars(
    spark: SparkSession, pytestconfig: pytest.Config
) -> None:
    archive = pytestconfig.rootpath / str(pytestconfig.getini("lakecore_jars_dir")) / JVM_ARCHIVE
    assert archive.is_file(), f"{archive} is missing: `make jars` builds it"
    jvm = spark._jvm  # type: ignore[attr-defined]
    options = [str(o) for o in jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()]  # fmt: skip
    assert f"-XX:SharedArchiveFile={archive.resolve()}" in options
    # "sharing": the archive was mapped; a stale one (a jar rebuilt since) leaves it out.
    assert "sharing" in str(jvm.java.lang.System.getProperty("java.vm.info"))
