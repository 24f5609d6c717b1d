from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.spark.types import spark_schema
from lakecore.testing.contracts import TABLE, TableStoreContract

pytestmark = pytest.mark.spark


class SparkFrames:
    """The contract's rows as Spark frames (for every Delta store's contract test)."""

    spark: SparkSession

    def frame(self, rows: list[dict[str, Any]]) -> Any:
        if not rows:
            return self.spark.createDataFrame([], spark_schema(TABLE))
        columns = list(rows[0])
        return self.spark.createDataFrame([tuple(r[c] for c in columns) for r in rows], columns)

    def rows(self, frame: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in frame.collect()]


class TestDeltaTableStore(SparkFrames, TableStoreContract):
    @pytest.fixture(autouse=True)
    def _store(self, spark: SparkSession, tmp_path: Path) -> None:
        self.spark = spark
        self.store = DeltaTableStore(spark, str(tmp_path / "lake"))
