"""Several writers, each in its own JVM, on one Delta table on S3 (moto's server): every commit
of each is in the table, because each commit is a conditional PUT (``jars/lakecore``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.spark.session import LOG_STORE, jar_settings
from lakecore.testing.contracts import TABLE
from tests.fakes.aws import LocalAws
from tests.integration.runs import REPO
from tests.integration.test_delta_s3 import new_bucket

pytestmark = pytest.mark.spark
WRITERS, COMMITS = 2, 12


def test_the_jars_folder_brings_the_conditional_put_log_store() -> None:
    conf = jar_settings(REPO / "build" / "jars")
    assert conf["spark.delta.logStore.s3a.impl"] == LOG_STORE
    assert conf["spark.delta.logStore.s3.impl"] == LOG_STORE


def test_concurrent_writers_in_two_jvms_lose_no_commit(
    s3_spark: SparkSession, aws: LocalAws
) -> None:
    root = f"s3://{new_bucket(aws)}/lake"
    store = DeltaTableStore(s3_spark, root)
    store.append(TABLE, s3_spark.createDataFrame([], "id long, v long, name string"))
    env = {**os.environ, **aws.environ(), "SPARK_LOCAL_IP": "127.0.0.1"}
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.integration.s3_writer", root, str(w), str(COMMITS)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(1, WRITERS + 1)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=600)
        assert writer.returncode == 0, err[-3000:]

    ids = sorted(row.id for row in store.read(TABLE).select("id").collect())
    assert ids == sorted(w * 1000 + i for w in range(1, WRITERS + 1) for i in range(COMMITS))
    history = s3_spark.sql(f"DESCRIBE HISTORY delta.`{store.location(TABLE.id)}`").collect()
    assert len(history) == 1 + WRITERS * COMMITS  # each commit its own version, none overwritten
