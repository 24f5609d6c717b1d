from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from lakecore.errors import LakeNotWritable, TableNotFound
from pipelines import orders as lh

pytestmark = pytest.mark.spark


def test_an_unwritable_lake_root_is_a_clear_error(spark: SparkSession, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(LakeNotWritable, match="is not writable"):
        DeltaTableStore(spark, str(blocker / "lake")).check_writable()


def test_reading_a_table_never_written_is_table_not_found(
    spark: SparkSession, tmp_path: Path
) -> None:
    with pytest.raises(TableNotFound, match=r"silver\.orders has no data yet"):
        DeltaTableStore(spark, str(tmp_path)).read(lh.ORDERS)
