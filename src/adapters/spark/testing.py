"""pytest fixtures for a local Spark + Delta lake: ``-p adapters.spark.testing``.

* ``spark``: one local SparkSession with Delta for the test session (2 cores, 2 shuffle
  partitions, no UI, tuned for small frames: ``SMALL_DATA_CONF``). Its JVM jars come from the ini option ``lakecore_jars_dir`` (a folder,
  relative to the rootdir) or, without it, from Maven Central into the user's Ivy cache.
* ``delta_store``: a ``DeltaTableStore`` on a fresh lake under the test's ``tmp_path``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.spark.session import local_session


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "lakecore_jars_dir", "folder of JVM jars for local Spark (default: Maven Central)"
    )


@pytest.fixture(scope="session")
def spark(pytestconfig: pytest.Config) -> Iterator[SparkSession]:
    folder = str(pytestconfig.getini("lakecore_jars_dir") or "")
    jars = pytestconfig.rootpath / folder if folder else None
    yield from local_session(master="local[2]", jars_dir=jars, shuffle_partitions=2, ui=False,
                             small_data=True)  # fmt: skip


@pytest.fixture
def delta_store(spark: SparkSession, tmp_path: Path) -> DeltaTableStore:
    return DeltaTableStore(spark, str(tmp_path / "lake"))
