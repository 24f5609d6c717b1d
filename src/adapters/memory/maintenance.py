"""``InMemoryMaintenance``: housekeeping on the in-memory store, with Delta's file model.

Each write adds one data file; OPTIMIZE rewrites a table's files into one as a new version
with the same rows; the files it replaced stay until VACUUM removes those older than the
retention.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from adapters.memory.engine import Rows
from adapters.memory.store import InMemoryTableStore
from lakecore.maintenance import Files, Maintained
from lakecore.schema import TableId, TableSpec


class InMemoryMaintenance:
    def __init__(
        self, store: InMemoryTableStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store = store
        self._clock = clock
        #: per table: the version its last OPTIMIZE wrote
        self._compacted: dict[TableId, int] = {}
        #: per table: (when they were replaced, how many) of files only older versions read
        self._replaced: dict[TableId, list[tuple[datetime, int]]] = {}

    def files(self, table: TableSpec) -> Files:
        version = self._store.version(table.id)
        if version is None:
            return Files(0, 0)
        base = self._compacted.get(table.id)
        count = version + 1 if base is None else 1 + version - base
        return Files(count, len(repr(self._store.read(table))))

    def optimize(self, table: TableSpec) -> int:
        count = self.files(table).count
        if count <= 1:
            return 0
        self._compacted[table.id] = self._store.rewrite(table, self._store.read(table), "OPTIMIZE")
        self._replaced.setdefault(table.id, []).append((self._clock(), count))
        return count

    def vacuum(self, table: TableSpec, retain_hours: int, *, dry_run: bool) -> list[str]:
        horizon = self._clock() - timedelta(hours=retain_hours)
        replaced = self._replaced.get(table.id, [])
        old = [(at, n) for at, n in replaced if at <= horizon]
        if not dry_run:
            self._replaced[table.id] = [(at, n) for at, n in replaced if at > horizon]
        return [f"{table.id.path}/part-{at:%Y%m%d%H%M%S}-{i}" for at, n in old for i in range(n)]

    def restore(
        self, table: TableSpec, *, version: int | None = None, timestamp: datetime | None = None
    ) -> int:
        if version is None:
            commits = [
                c for c in self._store.history(table.id) if timestamp and c.timestamp <= timestamp
            ]
            version = max(c.version for c in commits)
        return self._store.rewrite(table, self._store.read(table, version), "RESTORE")

    def frame(self, table: TableSpec, rows: Sequence[Maintained]) -> Rows:
        return [row.row(table) for row in rows]
