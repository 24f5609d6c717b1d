"""Build the class-data archive local Spark drivers start from: ``make jars`` runs
``python -m entrypoints.jvm_archive build/jars``.

A local ``lakecore`` process spends its first seconds loading some 17,000 classes from the
jars (Spark, Delta, Hadoop, Scala) and its first Delta write loading more. The JDK's
class-data sharing maps them, already parsed and verified, from an archive instead: this
module runs a small day on generated data in a driver that lists every class it loads
(``-XX:DumpLoadedClassList``), then has the same JDK dump those classes, from the same
classpath, into ``<jars folder>/lakecore.jsa``. ``local_session`` starts its driver with it
when the file is there. An archive that no longer matches the jars (one of them rebuilt) is
ignored by the JVM, which then loads every class as before: rebuild it with ``make jars``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from adapters.delta.store import DeltaTableStore
from adapters.memory.quality import InMemoryReportStore
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from adapters.spark.session import JVM_ARCHIVE, LOG_CONFIG, SMALL_DATA_JVM, local_session
from lakecore.daily import run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext
from pipelines import orders
from pipelines.orders.generate import GenerateOptions, generate

DAY = date(2026, 11, 27)


def build(jars_dir: Path) -> Path:
    """Write ``jars_dir / JVM_ARCHIVE`` from the classes a small day loads."""
    with tempfile.TemporaryDirectory(prefix="lakecore-jvm-archive-") as work:
        listed = Path(work) / "classes.lst"
        java, options, classpath = _small_day(jars_dir, Path(work), listed)
        target = jars_dir / JVM_ARCHIVE
        partial = target.with_suffix(".partial")
        dump = [java, "-Xshare:dump", f"-XX:SharedClassListFile={listed}",
                f"-XX:SharedArchiveFile={partial}", *options, "-cp", classpath]  # fmt: skip
        done = subprocess.run(  # nosec B603: the JDK the driver ran on, our own arguments
            dump, capture_output=True, text=True, check=False
        )
        if done.returncode != 0 or not partial.is_file():
            sys.exit(f"jvm_archive: the class-data dump failed: {done.stderr.strip()[-500:]}")
        partial.replace(target)
    return target


def _small_day(jars_dir: Path, work: Path, listed: Path) -> tuple[str, list[str], str]:
    """Run a small day in a driver that lists its classes; the driver's JDK, JVM options
    (the ones a dump must share) and classpath."""
    landing, lake = work / "landing", work / "lake"
    generate(GenerateOptions(landing, 500, seed=1, dirty=0.02, business_date=DAY))
    java = f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()} {SMALL_DATA_JVM}"
    session = local_session(
        master="local[2]", jars_dir=jars_dir, shuffle_partitions=2, ui=False, small_data=True,
        extra={"spark.driver.extraJavaOptions": f"{java} -XX:DumpLoadedClassList={listed}"},
    )  # fmt: skip
    spark = next(session)
    try:
        run_daily(
            pipeline=orders.PIPELINE,
            landing=SparkFileLanding(spark, landing),
            store=DeltaTableStore(spark, str(lake)),
            engine=SparkEngine(spark),
            gate=Gate(SparkGate(), InMemoryReportStore(), orders.SUITES, quarantine_threshold=1.0),
            run=RunContext("jvm-archive", DAY, datetime(2026, 11, 27, 6)),
            progress=lambda step, **facts: None,
        )
        jvm: Any = spark._jvm
        system = jvm.java.lang.System
        arguments = jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
        options = [
            str(option)
            for option in arguments.getInputArguments()
            if not str(option).startswith(("-XX:DumpLoadedClassList", "-Xshare", "-XX:Shared"))
        ]
        found = (
            str(Path(system.getProperty("java.home")) / "bin" / "java"),
            options,
            str(system.getProperty("java.class.path")),
        )
    finally:
        next(session, None)
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.exit("usage: python -m entrypoints.jvm_archive JARS_FOLDER")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    target = build(Path(argv[0]).resolve())
    print(f"wrote {target} ({target.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
