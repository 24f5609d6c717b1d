from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.spark.session import local_session

JARS = Path(__file__).resolve().parents[2] / "build" / "jars"


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    yield from local_session(master="local[2]", jars_dir=JARS, shuffle_partitions=2, ui=False)
