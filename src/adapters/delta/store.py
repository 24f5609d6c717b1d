"""``DeltaTableStore``: lakecore tables as Delta tables under one lake root."""

from __future__ import annotations

import json
import operator
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import reduce
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import structlog
from delta import exceptions as delta_errors
from delta.tables import DeltaTable
from py4j.protocol import Py4JJavaError
from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F

from adapters.spark.engine import dedupe
from adapters.spark.types import quote, spark_schema, spark_type
from lakecore.errors import (
    CommitConflict,
    LakeNotWritable,
    SchemaMismatch,
    TableNotFound,
    TerminalError,
    first_line,
)
from lakecore.lineage import Observed
from lakecore.merge import MergeSpec
from lakecore.ports import SAME_ROWS, Commit, Marker, Slice, WriteResult
from lakecore.schema import Layer, TableId, TableSpec

_CONFLICTS = (
    delta_errors.DeltaConcurrentModificationException,
    delta_errors.ConcurrentWriteException,
    delta_errors.MetadataChangedException,
    delta_errors.ProtocolChangedException,
    delta_errors.ConcurrentAppendException,
    delta_errors.ConcurrentDeleteReadException,
    delta_errors.ConcurrentDeleteDeleteException,
    delta_errors.ConcurrentTransactionException,
)
_WRITE_METRICS = ("numOutputRows", "numTargetRowsInserted", "numTargetRowsUpdated")
#: Session settings that give a MERGE its marker (the DataFrame writer takes options instead).
_TXN_APP, _TXN_VERSION = (
    "spark.databricks.delta.write.txnAppId",
    "spark.databricks.delta.write.txnVersion",
)
_USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata"
#: The source column of a key-replacing MERGE that tells a key's new row from its absence.
_NEW = "_lakecore_new"
#: Silver tables keep a change data feed: gold is updated from it.
_CHANGE_FEED = "delta.enableChangeDataFeed"
#: How long the feed's files are surely kept: VACUUM's retention (lakecore refuses less).
_FEED_KEPT = timedelta(hours=168)
#: How many of the newest commits ``marker_state`` reads before it reads the whole history.
_RECENT_COMMITS = 20
#: A write losing to concurrent commits is made again, up to this many attempts in all,
#: after pauses growing from ``_FIRST_PAUSE`` to ``_MAX_PAUSE`` seconds (with jitter).
T = TypeVar("T")
_ATTEMPTS, _FIRST_PAUSE, _MAX_PAUSE = 10, 0.25, 8.0
log = structlog.get_logger("lakecore.delta")


class DeltaTableStore:
    """Each table lives at ``<lake_root>/<layer>/<name>``; the lake root is a path or a URI.

    A ``Marker`` becomes the commit's ``txnAppId``/``txnVersion`` (Delta's idempotent
    writes, kept in the log's checkpoints for good) and its ``userMetadata``, so progress and
    data are one atomic commit. Markers on a MERGE go through session settings: one writer
    per SparkSession at a time.

    Raises ``TableNotFound`` reading a table that was never written, ``SchemaMismatch`` for a
    frame whose columns do not fit the table, ``CommitConflict`` when a concurrent writer
    won, ``LakeNotWritable`` when the lake root cannot be written, and ``TerminalError`` for
    any other failure of Delta or Spark.
    """

    def __init__(
        self,
        spark: SparkSession,
        lake_root: str,
        locations: Mapping[TableId, str] | None = None,
        observed: Observed | None = None,
    ) -> None:
        self._spark = spark
        #: what this store read and wrote, for the run's lineage
        self.observed = observed if observed is not None else Observed()
        self._root = absolute_location(lake_root)
        self._locations = {t: absolute_location(p) for t, p in (locations or {}).items()}
        self._ready: dict[TableId, DeltaTable] = {}
        # (table, app) -> (table version, marker at that version), from this store's own
        # marked commits and from markers it read: while the table is still at that version,
        # its marker needs no log replay.
        self._markers: dict[tuple[TableId, str], tuple[int, int | None]] = {}
        self._filled: set[TableId] = set()
        # Markers of MERGEs go through session settings: one MERGE at a time.
        self._dml = threading.Lock()

    def location(self, table: TableId) -> str:
        """``<lake_root>/<layer>/<name>``, or where ``locations`` puts the table."""
        return self._locations.get(table) or f"{self._root}/{table.path}"

    def check_writable(self) -> None:
        """Fail early, with one clear line, when a local lake root cannot be written."""
        if urlparse(self._root).scheme not in ("", "file"):
            return
        root = Path(urlparse(self._root).path if "://" in self._root else self._root)
        try:
            root.mkdir(parents=True, exist_ok=True)
            probe = root / ".lakecore-write-probe"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise LakeNotWritable(f"lake root {root} is not writable: {exc.strerror}") from exc

    def exists(self, table: TableId) -> bool:
        with translated(table):
            return bool(DeltaTable.isDeltaTable(self._spark, self.location(table)))

    def version(self, table: TableId) -> int | None:
        with translated(table):
            version = int(self._snapshot(table).version())
        return None if version < 0 else version

    def marker(self, table: TableId, app: str) -> int | None:
        with translated(table):
            snapshot = self._snapshot(table)
            at = int(snapshot.version())
            known = self._markers.get((table, app))
            if known is not None and known[0] == at:
                return known[1]
            # The log's transactions: a replay of its state, the costly part (~0.5 s).
            found = snapshot.transactions().get(app)
            value = int(found.get()) if found.isDefined() else None
            self._markers[(table, app)] = (at, value)
            return value

    def marker_state(self, table: TableId, app: str) -> str | None:
        """Read from the ``userMetadata`` of the commit that recorded the marker: the newest
        commits first, the whole history only if the marker is older than those."""
        version = self.marker(table, app)
        if version is None:
            return None
        with translated(table):
            handle = DeltaTable.forPath(self._spark, self.location(table))
            for limit in (_RECENT_COMMITS, None):
                history = handle.history(limit) if limit else handle.history()
                for row in history.select("userMetadata").collect():
                    found = _marker_of(row["userMetadata"])
                    if found is not None and (found.app, found.version) == (app, version):
                        return found.state
        return None

    def _snapshot(self, table: TableId) -> Any:
        """The table's latest snapshot from its log (version -1 when there is none).

        Delta's Python API does not expose the log's ``txn`` actions, so this asks the JVM
        ``DeltaLog`` (pinned Delta 3.3; the contract tests hold it to the memory store).
        """
        jvm: Any = self._spark._jvm
        log = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(
            self._spark._jsparkSession, self.location(table)
        )
        none = jvm.scala.Option.empty()
        return log.update(False, none, none)

    def read(self, table: TableSpec, version: int | None = None) -> DataFrame:
        self.observed.read(table.id)
        reader = self._spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        try:
            with translated(table.id):
                return reader.load(self.location(table.id))
        except SchemaMismatch:
            # Loading resolves the snapshot at once; only on failure ask why (one log read).
            if not self.exists(table.id):
                raise TableNotFound(
                    f"{table.id} has no data yet at {self.location(table.id)}"
                ) from None
            raise

    def append(
        self, table: TableSpec, frame: DataFrame, marker: Marker | None = None
    ) -> WriteResult:
        return self._write(table, frame, "append", marker)

    def overwrite(
        self, table: TableSpec, frame: DataFrame, marker: Marker | None = None
    ) -> WriteResult:
        return self._write(table, frame, "overwrite", marker)

    def replace(
        self, table: TableSpec, frame: DataFrame, where: Slice, marker: Marker | None = None
    ) -> WriteResult:
        return self._write(table, frame, "overwrite", marker, {"replaceWhere": slice_sql(where)})

    def merge(
        self, table: TableSpec, frame: DataFrame, spec: MergeSpec, marker: Marker | None = None
    ) -> WriteResult:
        return self._seen(retried(table.id, lambda: self._merge(table, frame, spec, marker)))

    def _merge(
        self, table: TableSpec, frame: DataFrame, spec: MergeSpec, marker: Marker | None
    ) -> WriteResult:
        if self._applied(table.id, marker):
            return WriteResult(table.id, None, skipped=True)
        batch = dedupe(_aligned(table, frame), spec)
        with translated(table.id):
            if self._is_new(table.id) or (
                table.id not in self._filled and _is_empty(self._ensure(table))
            ):
                # The batch already holds one row per key: into an empty table, MERGE is
                # an append, and an append does not join or materialize the source.
                self._save(table, _writer(batch, "append", marker))
                return self._result(table.id, marker, inserted_by_append=True)
            # Once seen holding rows, a table is not asked again: the answer only ever picks
            # the faster of two correct writes, and asking replays the log (~0.5 s).
            self._filled.add(table.id)
            target = self._ensure(table)
            merge = target.alias("t").merge(batch.alias("s"), match_condition(spec))
            if spec.version:
                merge = merge.whenMatchedUpdateAll(condition=newer_condition(spec))
            with self._marked(marker):
                merge.whenNotMatchedInsertAll().execute()
        return self._result(table.id, marker)

    def replace_keys(
        self,
        table: TableSpec,
        frame: DataFrame,
        affected: DataFrame,
        marker: Marker | None = None,
    ) -> WriteResult:
        return self._seen(
            retried(table.id, lambda: self._replace_keys(table, frame, affected, marker))
        )

    def _replace_keys(
        self, table: TableSpec, frame: DataFrame, affected: DataFrame, marker: Marker | None
    ) -> WriteResult:
        """One MERGE: a matched key with a new row is updated, one without is deleted, a new
        row of an unmatched key is inserted."""
        if self._applied(table.id, marker):
            return WriteResult(table.id, None, skipped=True)
        keys = affected.columns
        rows = _aligned(table, frame)
        with translated(table.id):
            if self._is_new(table.id):
                self._save(table, _writer(rows, "append", marker))
                return self._result(table.id, marker, inserted_by_append=True)
            target = self._ensure(table)
            known = affected.where(" AND ".join(f"{quote(k)} IS NOT NULL" for k in keys))
            source = known.distinct().join(rows.withColumn(_NEW, F.lit(True)), keys, "left")
            on = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
            values: dict[str, str | Column] = {quote(c): f"s.{quote(c)}" for c in rows.columns}
            merge = (
                target.alias("t")
                .merge(source.alias("s"), on)
                .whenMatchedDelete(condition=f"s.{_NEW} IS NULL")
                .whenMatchedUpdate(set=values)
                .whenNotMatchedInsert(condition=f"s.{_NEW}", values=values)
            )
            with self._marked(marker):
                merge.execute()
        return self._result(table.id, marker)

    def changes(self, table: TableSpec, after: int, upto: int) -> DataFrame | None:
        """From the change data feed, when every commit in between is an append, a MERGE
        that deleted nothing, or kept the rows (OPTIMIZE, ...); None otherwise."""
        if after == upto:
            return self.read(table, upto).where(F.lit(False))
        current = self.version(table.id)
        if current is None or not 0 <= after < upto <= current:
            return None
        with translated(table.id):
            handle = DeltaTable.forPath(self._spark, self.location(table.id))
            commits = [
                row
                for row in handle.history(current - after).collect()
                if after < row["version"] <= upto
            ]
        if len(commits) != upto - after or not all(_only_adds(row) for row in commits):
            return None
        # VACUUM may have removed the feed's files of commits older than its retention
        # (history timestamps are naive, in the session's time zone: lakecore's is UTC).
        oldest = min(row["timestamp"] for row in commits)
        if oldest < datetime.now(UTC).replace(tzinfo=None) - _FEED_KEPT:
            return None
        feed = (
            self._spark.read.format("delta")
            .option("readChangeFeed", "true")
            .option("startingVersion", after + 1)
            .option("endingVersion", upto)
        )
        with translated(table.id):
            changes = feed.load(self.location(table.id))
            try:
                # Planning asks Delta whether the range's changes were kept (no job runs).
                changes._jdf.queryExecution().executedPlan()
            except AnalysisException as exc:
                if exc.getErrorClass() != "DELTA_MISSING_CHANGE_DATA":
                    raise
                log.info("delta.changes_unknown", table=str(table.id), after=after, upto=upto)
                return None
        self.observed.read(table.id)
        kind, commit = F.col("_change_type"), "_commit_version"
        # An update that rewrote only the lineage (a record delivered again) is no change.
        same = [commit, *table.business_columns]
        before = changes.where(kind == "update_preimage").select(
            *(F.col(quote(c)).alias(f"_before_{i}") for i, c in enumerate(same))
        )
        written = changes.where(kind.isin("insert", "update_postimage"))
        matched = [F.col(quote(c)).eqNullSafe(F.col(f"_before_{i}")) for i, c in enumerate(same)]
        changed = written.join(before, on=reduce(operator.and_, matched), how="left_anti")
        return changed.drop("_change_type", commit, "_commit_timestamp")

    def history(self, table: TableId, limit: int | None = None) -> list[Commit]:
        with translated(table):
            handle = DeltaTable.forPath(self._spark, self.location(table))
            rows = (handle.history(limit) if limit else handle.history()).collect()
        return [
            Commit(
                row["version"],
                row["timestamp"],
                row["operation"],
                {k: int(v) for k, v in (row["operationMetrics"] or {}).items() if v.isdigit()},
                _marker_of(row["userMetadata"]),
            )
            for row in rows
        ]

    def _write(
        self,
        table: TableSpec,
        frame: DataFrame,
        mode: str,
        marker: Marker | None,
        options: dict[str, str] | None = None,
    ) -> WriteResult:
        return self._seen(
            retried(table.id, lambda: self._write_once(table, frame, mode, marker, options))
        )

    def _seen(self, result: WriteResult) -> WriteResult:
        self.observed.wrote(result)
        return result

    def _write_once(
        self,
        table: TableSpec,
        frame: DataFrame,
        mode: str,
        marker: Marker | None,
        options: dict[str, str] | None,
    ) -> WriteResult:
        if self._applied(table.id, marker):
            return WriteResult(table.id, None, skipped=True)
        aligned = _aligned(table, frame)
        if table.evolves:
            options = {**(options or {}), "mergeSchema": "true"}
        with translated(table.id):
            writer = _writer(aligned, mode, marker).options(**(options or {}))
            if "replaceWhere" in (options or {}) or not self._is_new(table.id):
                self._ensure(table)
            self._save(table, writer)
        return self._result(table.id, marker)

    def _is_new(self, table: TableId) -> bool:
        """No commit yet: the first write creates the table (one commit, not two)."""
        return table not in self._ready and self.version(table) is None

    def _save(self, table: TableSpec, writer: Any) -> None:
        """Write to the table's location; a table the write creates gets its partitioning."""
        location = self.location(table.id)
        if table.id in self._ready:
            writer.save(location)
            return
        if _keeps_changes(table):
            writer = writer.option(_CHANGE_FEED, "true")
        writer.partitionBy(*table.partition_by).save(location)
        self._ready[table.id] = DeltaTable.forPath(self._spark, location)

    def _applied(self, table: TableId, marker: Marker | None) -> bool:
        """Asked first so the result can say so; Delta itself skips an applied marker too."""
        if marker is None:
            return False
        done = self.marker(table, marker.app)
        return done is not None and done >= marker.version

    @contextmanager
    def _marked(self, marker: Marker | None) -> Iterator[None]:
        """The session settings that put ``marker`` on the next DML commit, then unset. The
        settings are the session's: one MERGE of this store runs at a time."""
        with self._dml:
            if marker is None:
                yield
                return
            conf = self._spark.conf
            conf.set(_TXN_APP, marker.app)
            conf.set(_TXN_VERSION, str(marker.version))
            conf.set(_USER_METADATA, commit_metadata(marker))
            try:
                yield
            finally:
                for key in (_TXN_APP, _TXN_VERSION, _USER_METADATA):
                    conf.unset(key)

    def _ensure(self, table: TableSpec) -> DeltaTable:
        """The table, created empty with its schema and partitioning on first use.

        A process killed while creating a table can leave a ``_delta_log/`` without its
        first commit. Delta's ``createIfNotExists`` takes that folder for a table and then
        fails to open it, so such a table is created by an empty append instead.
        """
        if table.id not in self._ready:
            location = self.location(table.id)
            try:
                builder = (
                    DeltaTable.createIfNotExists(self._spark)
                    .location(location)
                    .addColumns(spark_schema(table))
                    .partitionedBy(*table.partition_by)
                )
                if _keeps_changes(table):
                    builder = builder.property(_CHANGE_FEED, "true")
                handle = builder.execute()
                self._upgrade(table)
            except AnalysisException as exc:
                if exc.getErrorClass() != "DELTA_TABLE_NOT_FOUND":
                    raise
                log.info("delta.create_completed", table=str(table.id), location=location)
                empty = self._spark.createDataFrame([], spark_schema(table))
                empty.write.format("delta").mode("append").partitionBy(*table.partition_by).save(
                    location
                )
                handle = DeltaTable.forPath(self._spark, location)
            self._ready[table.id] = handle
        return self._ready[table.id]

    def _upgrade(self, table: TableSpec) -> None:
        """A table an older lakecore made gains what the spec has since declared: columns
        (nullable, after the others) and, in silver, a change data feed (changes are known
        from then on)."""
        metadata = self._snapshot(table.id).metadata()
        present = set(metadata.schema().fieldNames())
        missing = [c for c in table.columns if c.name not in present]
        where = "delta." + quote(self.location(table.id))
        if missing:
            added = ", ".join(
                f"{quote(c.name)} {spark_type(c.type).simpleString()}" for c in missing
            )
            log.info("delta.columns_added", table=str(table.id), columns=[c.name for c in missing])
            self._spark.sql(f"ALTER TABLE {where} ADD COLUMNS ({added})")
        if _keeps_changes(table) and metadata.configuration().get(_CHANGE_FEED).isEmpty():
            log.info("delta.change_feed_enabled", table=str(table.id))
            self._spark.sql(f"ALTER TABLE {where} SET TBLPROPERTIES ({_CHANGE_FEED} = true)")

    def _result(
        self, table: TableId, marker: Marker | None, *, inserted_by_append: bool = False
    ) -> WriteResult:
        last = self._own_commit(table, marker)
        version = int(last["version"])
        if marker is not None and _marker_of(last.get("userMetadata")) == marker:
            self._markers[(table, marker.app)] = (version, marker.version)
        metrics = {
            k: int(v)
            for k, v in (last.get("operationMetrics") or {}).items()
            if k in _WRITE_METRICS
        }
        if inserted_by_append:
            rows = metrics.get("numOutputRows", 0)
            return WriteResult(table, version, rows, rows, 0)
        inserted = metrics.get("numTargetRowsInserted", 0)
        updated = metrics.get("numTargetRowsUpdated", 0)
        merged = last.get("operation") == "MERGE"
        written = inserted + updated if merged else metrics.get("numOutputRows", 0)
        return WriteResult(table, version, written, inserted, updated)

    def _own_commit(self, table: TableId, marker: Marker | None) -> Mapping[str, Any]:
        """The commit this store's write just made: ``version``, ``operation``,
        ``operationMetrics``, ``userMetadata``.

        Read from the commit's file in the log (through Delta's log store, up to its first
        action), at the version Delta's commit left on the table's ``DeltaLog``: ``history(1)`` plans
        and runs a Spark job for the same facts (~0.2 s, a dozen times a day, once per write
        of a stream's micro-batch). A concurrent writer's later commit is not mistaken for
        ours. When the file does not show our marker, the history says what is there.
        """
        jvm: Any = self._spark._jvm
        delta = jvm.org.apache.spark.sql.delta
        log = delta.DeltaLog.forTable(self._spark._jsparkSession, self.location(table))
        version = int(log.unsafeVolatileSnapshot().version())
        info = None
        if version >= 0:
            info = _commit_info(log, delta.util.FileNames.unsafeDeltaFile(log.logPath(), version))
        if info is not None and (marker is None or _marker_of(info.get("userMetadata")) == marker):
            return {**info, "version": version}
        return self._ready[table].history(1).collect()[0].asDict()


def _commit_info(log: Any, path: Any) -> dict[str, Any] | None:
    """The ``commitInfo`` action of the commit file at ``path``, read up to it (Delta writes
    it first; the file goes on with an ``add`` action, statistics included, per data file)."""
    lines = log.store().readAsIterator(path, log.newDeltaHadoopConf())
    try:
        while lines.hasNext():
            line = str(lines.next())
            if line.startswith('{"commitInfo"'):
                info: dict[str, Any] = json.loads(line)["commitInfo"]
                return info
    finally:
        lines.close()
    return None


def retried(table: TableId, write: Callable[[], T]) -> T:
    """``write``, made again when a concurrent writer won the commit (nothing of the lost
    attempt is in the table); ``CommitConflict`` after ``_ATTEMPTS`` lost races."""
    attempt = 1
    while True:
        try:
            return write()
        except CommitConflict as conflict:
            if attempt == _ATTEMPTS:
                raise CommitConflict(f"{conflict} ({_ATTEMPTS} attempts)") from conflict
            pause = min(_MAX_PAUSE, _FIRST_PAUSE * 2**attempt)
            log.info("delta.commit_conflict", table=str(table), attempt=attempt, pause=pause)
            # Jitter keeps racing writers apart; it guards no secret.
            time.sleep(pause * random.uniform(0.5, 1.5))  # nosec B311
            attempt += 1


def absolute_location(root: str) -> str:
    """A local path made absolute (Delta reads a relative one as a table name, Spark's
    checkpoints move with the working folder); a URI as it is."""
    local = urlparse(root).scheme in ("", "file") and "://" not in root
    return str(Path(root).resolve()) if local else root.rstrip("/")


def _writer(frame: DataFrame, mode: str, marker: Marker | None) -> Any:
    writer = frame.write.format("delta").mode(mode)
    if marker is None:
        return writer
    return writer.options(
        txnAppId=marker.app,
        txnVersion=str(marker.version),
        userMetadata=commit_metadata(marker),
    )


def commit_metadata(marker: Marker) -> str:
    """What ``DESCRIBE HISTORY`` shows of a marked commit (and where its state is kept)."""
    fields: dict[str, object] = {"app": marker.app, "version": marker.version}
    if marker.state is not None:
        fields["state"] = marker.state
    return json.dumps({"lakecore": fields})


def _marker_of(metadata: str | None) -> Marker | None:
    """The marker a commit's ``userMetadata`` records, if lakecore wrote it."""
    try:
        fields = json.loads(metadata or "")["lakecore"]
        return Marker(str(fields["app"]), int(fields["version"]), fields.get("state"))
    except (ValueError, KeyError, TypeError):
        return None


def slice_sql(where: Slice) -> str:
    """SQL text for a ``Slice``: names quoted, text values escaped, bounds whole numbers."""
    terms = [
        f"{quote(column)} IN ({', '.join(sql_string(v) for v in values)})" if values else "false"
        for column, values in where.within
    ]
    terms += [f"{quote(column)} > {int(value)}" for column, value in where.after]
    return " AND ".join(terms) or "true"


def sql_string(value: str) -> str:
    """A Spark SQL string literal holding exactly ``value``."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _keeps_changes(table: TableSpec) -> bool:
    return table.id.layer is Layer.SILVER


def _only_adds(commit: Row) -> bool:
    """The commit (a history row) inserted or updated rows and removed none, or kept the
    rows as they were (OPTIMIZE, ...)."""
    operation = commit["operation"]
    if operation in SAME_ROWS or operation == "CREATE TABLE":
        return True
    if operation == "WRITE":
        parameters: dict[str, str] = commit["operationParameters"] or {}
        return parameters.get("mode") == "Append"
    if operation == "MERGE":
        metrics: dict[str, str] = commit["operationMetrics"] or {}
        return metrics.get("numTargetRowsDeleted", "0") == "0"
    return False


def _is_empty(table: DeltaTable) -> bool:
    """No data files in the current version (read from the log; no data is scanned)."""
    detail = table.detail().select("numFiles").first()
    return detail is not None and int(detail[0]) == 0


def _aligned(table: TableSpec, frame: DataFrame) -> DataFrame:
    """The frame's columns in the table's order and types; absent columns are null. Extra
    columns of a table that ``evolves`` follow, as text (the write merges the schema)."""
    extra = [c for c in frame.columns if c not in table.column_names]
    if extra and not table.evolves:
        raise SchemaMismatch(f"{table.id} has no columns {sorted(extra)}")
    present = set(frame.columns)
    return frame.select(
        *(
            (F.col(quote(c.name)) if c.name in present else F.lit(None))
            .cast(spark_type(c.type))
            .alias(c.name)
            for c in table.columns
        ),
        *(F.col(quote(c)).cast("string").alias(c) for c in extra),
    )


def match_condition(spec: MergeSpec) -> str:
    """SQL text: target ``t`` and source ``s`` rows match on every key, null-safely.
    Column names only ever appear quoted, so no name can change the condition."""
    return " AND ".join(f"t.{quote(k)} <=> s.{quote(k)}" for k in spec.keys)


def newer_condition(spec: MergeSpec) -> str:
    """SQL text: the source row's version is greater than the target's (names quoted)."""

    def version(alias: str) -> str:
        return "struct(" + ", ".join(f"{alias}.{quote(c)}" for c in spec.version) + ")"

    return f"{version('s')} > {version('t')}"


@contextmanager
def translated(table: TableId) -> Iterator[None]:
    """Delta and Spark errors, as lakecore errors, in one place."""
    try:
        yield
    except _CONFLICTS as exc:
        raise CommitConflict(f"{table}: a concurrent write won ({type(exc).__name__})") from exc
    except AnalysisException as exc:
        raise SchemaMismatch(f"{table}: {first_line(exc)}") from exc
    except Py4JJavaError as exc:
        message = str(exc.java_exception)
        if (
            "AccessDenied" in message
            or "Permission denied" in message
            or "Mkdirs failed" in message
        ):
            raise LakeNotWritable(f"{table}: cannot write the lake: {first_line(message)}") from exc
        raise TerminalError(f"{table}: {first_line(message)}") from exc
