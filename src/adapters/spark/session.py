"""The SparkSession resource: local Spark with Delta, or the cluster's session on EMR."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlparse

from pyspark.sql import SparkSession

from lakecore.errors import ConfigurationError

#: Spark settings every lakecore session has: Delta, UTC, ANSI-off parsing (bad text -> null).
BASE_CONF: Mapping[str, str] = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.databricks.delta.schema.autoMerge.enabled": "false",
    "spark.sql.sources.partitionOverwriteMode": "static",
    # Cached frames (a conform pass, read by two or three writes, then released) are built
    # uncompressed: 1.6 s against 2.4 s for a micro-batch of 100,000 order events.
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
    # Independent tables' work runs from threads (``SparkEngine.each``), a pool each.
    "spark.scheduler.mode": "FAIR",
}

#: The JVM packages a local session needs, as Maven coordinates. Without a jars folder,
#: Spark resolves them from Maven Central into the user's Ivy cache (~/.ivy2) once;
#: ``jars/pom.xml`` declares the same for ``make jars`` (a test keeps the two in step).
JVM_PACKAGES = (
    "io.delta:delta-spark_2.12:3.3.2",
    "org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.7",
    "org.apache.hadoop:hadoop-aws:3.3.4",
)

#: lakecore's Delta log store for S3, in lakecore's own jar (jars/lakecore, built by
#: ``make jars``; it holds the quality rules' byte-level pattern matcher too)
LOG_STORE = "io.lakecore.delta.S3ConditionalPutLogStore"
LAKECORE_JAR = "lakecore.jar"
#: The class-data archive of the jars folder (``make jars``: ``entrypoints.jvm_archive``): a
#: local driver started from it maps the classes it needs instead of loading them.
JVM_ARCHIVE = "lakecore.jsa"

#: The driver JVM's logging: warnings and errors, without start-up notices.
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")

#: For one machine: loopback only, small shuffles, no UI unless asked (as Delta's own tests).
LOCAL_CONF: Mapping[str, str] = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.adaptive.enabled": "true",
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.sql.files.openCostInBytes": "1048576",
    "spark.driver.memory": "4g",
    "spark.ui.showConsoleProgress": "false",
    # Delta's VACUUM lists a table's folders with this many tasks (Spark's default, 10,000,
    # fits a cluster): on two local cores a 30-file table took minutes.
    "spark.sql.sources.parallelPartitionDiscovery.parallelism": "8",
}

#: For small inputs (a day of up to some 100,000 records): expressions interpreted instead of
#: compiled (Janino's compile of each query's generated code outweighs the few rows it runs
#: on) and a JIT that stops at its quick first tier (the second tier's compiles compete with
#: the job for the cores). A cold ``run daily`` of 2,000 records took 37 s against 59 s with
#: Spark's defaults, of 250,000 records 84 s against 80 s, of 1M 239 s against 135 s.
#: The factory mode is an internal Spark setting (documented for Spark's tests); interpreted
#: and generated code give the same results, and Spark's own suites run both.
SMALL_DATA_CONF: Mapping[str, str] = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}
SMALL_DATA_JVM = "-XX:TieredStopAtLevel=1"


def use_utc() -> None:
    """Run the driver's Python in UTC too, so timestamps collected from Spark are UTC."""
    os.environ["TZ"] = "UTC"
    time.tzset()


def local_jars(jars_dir: Path) -> list[str]:
    jars = sorted(jars_dir.glob("*.jar"))
    if not jars:
        raise ConfigurationError(
            f"no JVM jars in {jars_dir}: run `make jars` (it fetches them from Maven Central), "
            "or unset LAKECORE_JARS_DIR to let Spark fetch them"
        )
    return [str(j.resolve()) for j in jars]


def jar_settings(jars_dir: Path | None, master: str = "local[2]") -> dict[str, str]:
    """Where the JVM jars come from: a folder (offline, pinned), or Maven Central through
    Spark's own resolver into the user's Ivy cache, whatever folder the user stands in.
    A folder with lakecore's own jar (``make jars`` builds it) gets its log store for S3.

    The folder's jars go on the driver's classpath (so the Python API reaches Delta's
    classes); a local master's executors live in the driver's JVM, other masters' executors
    fetch them from the driver (``spark.jars``: a copy per session, 280 MB with the AWS SDK,
    left behind in the temporary folder by a killed process, so not for local sessions).
    """
    if jars_dir is None:
        return {"spark.jars.packages": ",".join(JVM_PACKAGES)}
    jars = local_jars(jars_dir)
    conf = {"spark.driver.extraClassPath": ":".join(jars)}
    if not is_local(master):
        conf["spark.jars"] = ",".join(jars)
    if any(Path(jar).name == LAKECORE_JAR for jar in jars):
        conf |= log_store_settings()
    return conf


def is_local(master: str) -> bool:
    """``local``, ``local[4]``, ``local[*]``, ``local[2,3]``: driver and executor in one JVM."""
    return master == "local" or master.startswith("local[")


def log_store_settings() -> dict[str, str]:
    """Delta commits on S3 as conditional PUTs (``jars/lakecore``): several writers, in several
    JVMs, on one table, lose no commit. Without it Delta's S3 store is single-driver."""
    return {f"spark.delta.logStore.{scheme}.impl": LOG_STORE for scheme in ("s3", "s3a")}


def s3_settings(region: str, endpoint_url: str | None, path_style: bool) -> dict[str, str]:
    """Spark's S3A connector for a local session: ``s3://`` read as S3A too (as EMR reads it
    through EMRFS), an endpoint other than AWS's (a local server), path-style addressing.
    Credentials come from the standard AWS variables, never from Spark's settings."""
    conf = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.endpoint.region": region,
    }
    if endpoint_url:
        conf["spark.hadoop.fs.s3a.endpoint"] = endpoint_url
        secure = urlparse(endpoint_url).scheme != "http"
        conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(secure).lower()
    if path_style:
        conf["spark.hadoop.fs.s3a.path.style.access"] = "true"
    return conf


def local_session(
    *,
    master: str,
    jars_dir: Path | None,
    shuffle_partitions: int,
    ui: bool,
    app_name: str = "lakecore",
    extra: Mapping[str, str] | None = None,
    small_data: bool = False,
) -> Iterator[SparkSession]:
    """A local SparkSession with Delta (jars from ``jars_dir``, or resolved from Maven Central
    when it is None), tuned for small inputs when ``small_data`` (``SMALL_DATA_CONF``);
    stopped when the resource closes."""
    use_utc()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(master).appName(app_name)
    conf = local_conf(master=master, jars_dir=jars_dir, shuffle_partitions=shuffle_partitions,
                      ui=ui, small_data=small_data)  # fmt: skip
    for key, value in {**conf, **(extra or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def local_conf(
    *, master: str, jars_dir: Path | None, shuffle_partitions: int, ui: bool, small_data: bool
) -> dict[str, str]:
    """The settings of ``local_session``."""
    java = f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"
    archive = (jars_dir / JVM_ARCHIVE).resolve() if jars_dir is not None else None
    if archive is not None and archive.is_file() and not any(c.isspace() for c in str(archive)):
        # auto: an archive the jars no longer match is ignored (classes load as without it)
        java += f" -XX:SharedArchiveFile={archive} -Xshare:auto"
    return {
        **BASE_CONF,
        **LOCAL_CONF,
        **(SMALL_DATA_CONF if small_data else {}),
        **jar_settings(jars_dir, master),
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.ui.enabled": str(ui).lower(),
        "spark.driver.extraJavaOptions": f"{java} {SMALL_DATA_JVM}" if small_data else java,
    }


def cluster_session(app_name: str = "lakecore") -> Iterator[SparkSession]:
    """The session of a cluster job (EMR Serverless provides Delta's jars and the master)."""
    use_utc()
    builder = SparkSession.builder.appName(app_name)
    for key, value in BASE_CONF.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        yield spark
    finally:
        spark.stop()
