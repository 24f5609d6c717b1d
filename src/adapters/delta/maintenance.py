"""``DeltaMaintenance``: housekeeping on Delta tables with Delta's OPTIMIZE and VACUUM.

OPTIMIZE commits like any writer: a concurrent write that wins first makes it retry (and the
writer, whose store retries too, never fails because of it). VACUUM below Delta's own
168-hour check runs only after ``lakecore.maintenance`` let it (the force flag), with the
check lifted for that one call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from delta.tables import DeltaTable
from pyspark.errors import IllegalArgumentException
from pyspark.sql import DataFrame, SparkSession

from adapters.delta.store import DeltaTableStore, retried, translated
from adapters.spark.types import spark_schema
from lakecore.errors import ConfigurationError, TerminalError
from lakecore.maintenance import MIN_RETAIN_HOURS, Files, Maintained
from lakecore.schema import TableSpec

_RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"
#: how Delta says a version's data files are gone
_VACUUMED = re.compile(r"Not all files from version|FileNotFound", re.IGNORECASE)


class DeltaMaintenance:
    def __init__(self, spark: SparkSession, store: DeltaTableStore) -> None:
        self._spark = spark
        self._store = store

    def files(self, table: TableSpec) -> Files:
        with translated(table.id):
            (detail,) = self._table(table).detail().select("numFiles", "sizeInBytes").collect()
        return Files(int(detail["numFiles"] or 0), int(detail["sizeInBytes"] or 0))

    def optimize(self, table: TableSpec) -> int:
        def once() -> int:
            with translated(table.id):
                builder = self._table(table).optimize()
                if table.zorder_by:
                    result = builder.executeZOrderBy(*table.zorder_by)
                else:
                    result = builder.executeCompaction()
                metrics = result.select("metrics.numFilesRemoved").first()
            return int(metrics[0] or 0) if metrics else 0

        return retried(table.id, once)

    def vacuum(self, table: TableSpec, retain_hours: int, *, dry_run: bool) -> list[str]:
        target = "delta.`" + self._store.location(table.id).replace("`", "``") + "`"
        with translated(table.id), self._retention_check(retain_hours):
            listed = self._spark.sql(f"VACUUM {target} RETAIN {int(retain_hours)} HOURS DRY RUN")
            files = [row[0] for row in listed.collect()]
            if files and not dry_run:
                self._spark.sql(f"VACUUM {target} RETAIN {int(retain_hours)} HOURS").collect()
        return files

    def restore(
        self, table: TableSpec, *, version: int | None = None, timestamp: datetime | None = None
    ) -> int:
        try:
            with translated(table.id):
                handle = self._table(table)
                if version is not None:
                    handle.restoreToVersion(version)
                else:
                    handle.restoreToTimestamp(f"{timestamp:%Y-%m-%d %H:%M:%S.%f}")
        except (IllegalArgumentException, TerminalError) as exc:
            if not _VACUUMED.search(str(exc)):
                raise
            target = version if version is not None else timestamp
            raise ConfigurationError(
                f"{table.id} cannot be restored to {target}: VACUUM has removed its files "
                "(restore within the retention)"
            ) from None
        return self._store.version(table.id) or 0

    def frame(self, table: TableSpec, rows: Sequence[Maintained]) -> DataFrame:
        return self._spark.createDataFrame([row.row(table) for row in rows], spark_schema(table))

    def _table(self, table: TableSpec) -> DeltaTable:
        return DeltaTable.forPath(self._spark, self._store.location(table.id))

    @contextmanager
    def _retention_check(self, retain_hours: int) -> Iterator[None]:
        """Delta refuses a retention below its default; lakecore has already decided."""
        if retain_hours >= MIN_RETAIN_HOURS:
            yield
            return
        before = self._spark.conf.get(_RETENTION_CHECK, "true") or "true"
        self._spark.conf.set(_RETENTION_CHECK, "false")
        try:
            yield
        finally:
            self._spark.conf.set(_RETENTION_CHECK, before)
