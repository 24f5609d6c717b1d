"""The Delta table store on S3: the TableStore contract with the lake under ``s3://`` (read
through S3A), against moto's server on 127.0.0.1, which Spark's JVM reaches over HTTP."""

from __future__ import annotations

import uuid

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from lakecore.testing.contracts import TABLE, TableStoreContract
from tests.fakes.aws import LocalAws
from tests.integration.test_delta_store_contract import SparkFrames

pytestmark = pytest.mark.spark


def new_bucket(aws: LocalAws) -> str:
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    aws.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": aws.region}
    )
    return bucket


class TestDeltaTableStoreOnS3(SparkFrames, TableStoreContract):
    @pytest.fixture(autouse=True)
    def _store(self, s3_spark: SparkSession, aws: LocalAws) -> None:
        self.spark = s3_spark
        self.aws = aws
        self.bucket = new_bucket(aws)
        self.store = DeltaTableStore(s3_spark, f"s3://{self.bucket}/lake")

    def test_the_table_is_objects_in_the_bucket(self) -> None:
        """Delta's log and Parquet files land in the bucket under ``<layer>/<name>``, so any
        Delta reader pointed at the bucket finds the table."""
        self.store.append(TABLE, self.frame([{"id": 1, "v": 1, "name": "a"}]))
        listed = self.aws.client("s3").list_objects_v2(Bucket=self.bucket, Prefix="lake/")
        keys = {o["Key"] for o in listed.get("Contents", [])}
        prefix = f"lake/{TABLE.id.path}"
        assert f"{prefix}/_delta_log/00000000000000000000.json" in keys
        assert any(k.startswith(prefix) and k.endswith(".parquet") for k in keys)
        assert self.store.location(TABLE.id) == f"s3://{self.bucket}/{prefix}"
