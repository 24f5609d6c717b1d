"""The Spark session every benchmark runs in: local[*], the checkout's jars, no UI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from pyspark.sql import SparkSession

from adapters.spark.session import local_session


def bench_session(name: str, extra: dict[str, str] | None = None) -> Iterator[SparkSession]:
    """``local_session`` as the benchmarks use it (``LAKECORE_SPARK_SHUFFLE_PARTITIONS``,
    default 8); ``next()`` gives the session, the next ``next()`` stops it."""
    return local_session(
        master="local[*]",
        jars_dir=Path("build/jars"),
        shuffle_partitions=int(os.environ.get("LAKECORE_SPARK_SHUFFLE_PARTITIONS", "8")),
        ui=False,
        app_name=name,
        extra=extra,
    )
