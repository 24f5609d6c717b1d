from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

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


def test_a_merge_on_time_keys_matches_every_row_and_rewrites_only_its_files(
    spark: SparkSession, tmp_path: Path
) -> None:
    from datetime import datetime

    from lakecore.merge import MergeSpec
    from lakecore.schema import TIMESTAMP, Column, Layer, TableId, TableSpec

    table = TableSpec(
        TableId(Layer.SILVER, "events"),
        columns=(Column("id"), Column("at", TIMESTAMP), Column("v")),
        keys=("id", "at"),
    )
    spec = MergeSpec.for_table(table)
    store = DeltaTableStore(spark, str(tmp_path))

    def frame(rows: list[tuple[str, datetime | None, str]]) -> object:
        return spark.createDataFrame(rows, "id string, at timestamp, v string")

    for day in range(1, 6):  # one file per day
        store.append(table, frame([(f"e{day}", datetime(2026, 1, day, 12), "a")]))
    store.append(table, frame([("null-at", None, "a")]))
    merged = store.merge(
        table,
        frame([("e5", datetime(2026, 1, 5, 12), "b"), ("e6", datetime(2026, 1, 6), "a")]),
        spec,
    )
    assert (merged.rows_inserted, merged.rows_updated) == (1, 1)
    # the day-5 file alone was rewritten
    assert store.history(table.id)[0].metrics["numTargetFilesRemoved"] == 1
    nulls = store.merge(table, frame([("null-at", None, "c")]), spec)
    assert (nulls.rows_inserted, nulls.rows_updated) == (0, 1)  # null matches null
    rows = {(r["id"], r["v"]) for r in store.read(table).collect()}
    assert rows == {
        ("e1", "a"),
        ("e2", "a"),
        ("e3", "a"),
        ("e4", "a"),
        ("e5", "b"),
        ("e6", "a"),
        ("null-at", "c"),
    }


@pytest.mark.parametrize("write", ["append", "merge"])
def test_a_table_whose_creation_was_killed_is_created_by_the_next_write(
    spark: SparkSession, tmp_path: Path, write: str
) -> None:
    """A process killed while creating a table leaves ``_delta_log/`` without a commit (and
    maybe the log store's temporary file); Delta's createIfNotExists then fails to open it."""
    from lakecore.merge import MergeSpec
    from lakecore.ports import Marker
    from lakecore.schema import Column, Layer, TableId, TableSpec

    table = TableSpec(
        TableId(Layer.DEAD_LETTER, "events"),
        columns=(Column("id"), Column("day")),
        keys=("id",),
        partition_by=("day",),
    )
    log = tmp_path / "_dlq" / "events" / "_delta_log"
    log.mkdir(parents=True)
    (log / ".00000000000000000000.json.3b1f.tmp").write_text('{"commitInfo":')
    store = DeltaTableStore(spark, str(tmp_path))
    assert not store.exists(table.id)

    frame = spark.createDataFrame([("a", "d1"), ("b", "d2")], "id string, day string")
    marker = Marker("stream/orders", 0)
    if write == "append":
        result = store.append(table, frame, marker)
    else:
        result = store.merge(table, frame, MergeSpec.for_table(table), marker)

    assert result.rows_written == 2
    assert sorted(tuple(r) for r in store.read(table).select("id", "day").collect()) == [
        ("a", "d1"),
        ("b", "d2"),
    ]
    assert store.marker(table.id, "stream/orders") == 0
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{store.location(table.id)}`").first()
    assert detail is not None
    assert list(detail["partitionColumns"]) == ["day"]


def test_a_lake_from_an_older_lakecore_gains_new_columns_and_a_change_feed(
    spark: SparkSession, tmp_path: Path
) -> None:
    """A quarantine without ``key`` and a silver table without a change data feed, as an
    older lakecore left them: the next write adds the column and turns the feed on, and
    changes are known from then on."""
    from dataclasses import replace
    from datetime import date
    from decimal import Decimal

    from adapters.spark.types import spark_schema
    from lakecore.merge import MergeSpec

    old = replace(lh.QUARANTINE, columns=tuple(c for c in lh.QUARANTINE.columns if c.name != "key"))
    store = DeltaTableStore(spark, str(tmp_path))
    for table in (old, lh.FX_RATES):
        location = store.location(table.id)
        spark.createDataFrame([], spark_schema(table)).write.format("delta").save(location)
    rejected = [{"table": "gold.fact_orders", "reason": "missing_fx_rate", "key": "ORD-1"}]
    store.append(lh.QUARANTINE, spark.createDataFrame(rejected))
    assert [r["key"] for r in store.read(lh.QUARANTINE).collect()] == ["ORD-1"]

    rate = {"as_of_date": "2026-11-27", "base_ccy": "USD", "ccy": "EUR", "rate_to_base": "0.95"}
    fx = store.location(lh.FX_RATES.id)
    old_row = (date(2026, 11, 27), "USD", "EUR", Decimal("0.9"), None, None, None)
    old_write = spark.createDataFrame([old_row], spark_schema(lh.FX_RATES)).write.format("delta")
    old_write.mode("append").save(fx)  # version 1, no change feed
    assert store.changes(lh.FX_RATES, 0, 1) is None
    spec = MergeSpec.for_table(lh.FX_RATES)
    merged = store.merge(lh.FX_RATES, spark.createDataFrame([rate]), spec)
    assert merged.rows_updated == 1
    assert merged.version is not None
    assert store.changes(lh.FX_RATES, 0, merged.version) is None
    changes = store.changes(lh.FX_RATES, 1, merged.version)
    assert changes is not None
    assert [str(r["rate_to_base"]) for r in changes.collect()] == ["0.9500000000"]


def test_a_writes_result_is_its_own_commit_as_the_history_shows_it(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The result is read from the commit's file in the log, not from ``history``: the two
    must say the same version and counts, for appends, MERGEs and overwrites."""
    from lakecore.merge import MergeSpec
    from lakecore.ports import Marker
    from lakecore.schema import LONG, Column, Layer, TableId, TableSpec

    table = TableSpec(
        TableId(Layer.SILVER, "counts"),
        columns=(Column("id"), Column("n", LONG)),
        keys=("id",),
    )
    store = DeltaTableStore(spark, str(tmp_path))
    spec = MergeSpec.for_table(table, order_by=("n",))

    def frame(*rows: tuple[str, int]) -> DataFrame:
        return spark.createDataFrame(list(rows), "id string, n long")

    writes = [
        (lambda: store.append(table, frame(("a", 1), ("b", 1)), Marker("t", 0)), (2, 0, 0)),
        (lambda: store.merge(table, frame(("a", 2), ("c", 1), ("d", 1)), spec), (3, 2, 1)),
        (lambda: store.merge(table, frame(("b", 5)), spec, Marker("t", 1)), (1, 0, 1)),
        (lambda: store.overwrite(table, frame(("z", 9))), (1, 0, 0)),
    ]
    for write, (written, inserted, updated) in writes:
        result = write()
        (last,) = store.history(table.id, 1)
        assert result.version == last.version == store.version(table.id)
        assert (result.rows_written, result.rows_inserted, result.rows_updated) == (
            written,
            inserted,
            updated,
        )
        metrics = ("numTargetRowsInserted", "numTargetRowsUpdated")
        if last.operation == "MERGE":
            assert [last.metrics[m] for m in metrics] == [inserted, updated]
        else:
            assert last.metrics["numOutputRows"] == written
    assert [c.marker.version for c in store.history(table.id) if c.marker] == [1, 0]
