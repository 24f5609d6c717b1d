"""``CrashingTableStore``: a table store that dies after a chosen write, to test recovery.

A crash is a ``SimulatedCrash``, a ``BaseException``, so no ``except Exception`` in the
code under test can swallow it: like SIGKILL, the run just stops, with what it committed.
"""

from __future__ import annotations

from adapters.memory.engine import Rows
from adapters.memory.store import InMemoryTableStore
from lakecore.merge import MergeSpec
from lakecore.ports import Commit, Marker, Slice, WriteResult
from lakecore.schema import TableId, TableSpec


class SimulatedCrash(BaseException):
    """The process died right after write number ``after`` committed."""

    def __init__(self, after: int, table: TableId) -> None:
        super().__init__(f"crashed after write {after} ({table})")
        self.after = after
        self.table = table


class CrashingTableStore:
    """Delegates to ``store``; write number ``crash_after`` commits, then ``SimulatedCrash``.

    ``crash_after=None`` never crashes and only counts writes (``writes``), which tells a
    test how many crash points a run has. Skipped writes count too: they are moments too.
    """

    def __init__(self, store: InMemoryTableStore, crash_after: int | None = None) -> None:
        self._store = store
        self._crash_after = crash_after
        self.writes: list[TableId] = []

    def exists(self, table: TableId) -> bool:
        return self._store.exists(table)

    def version(self, table: TableId) -> int | None:
        return self._store.version(table)

    def marker(self, table: TableId, app: str) -> int | None:
        return self._store.marker(table, app)

    def marker_state(self, table: TableId, app: str) -> str | None:
        return self._store.marker_state(table, app)

    def read(self, table: TableSpec, version: int | None = None) -> Rows:
        return self._store.read(table, version)

    def history(self, table: TableId, limit: int | None = None) -> list[Commit]:
        return self._store.history(table, limit)

    def changes(self, table: TableSpec, after: int, upto: int) -> Rows | None:
        return self._store.changes(table, after, upto)

    def append(self, table: TableSpec, frame: Rows, marker: Marker | None = None) -> WriteResult:
        return self._after(self._store.append(table, frame, marker))

    def overwrite(self, table: TableSpec, frame: Rows, marker: Marker | None = None) -> WriteResult:
        return self._after(self._store.overwrite(table, frame, marker))

    def replace(
        self, table: TableSpec, frame: Rows, where: Slice, marker: Marker | None = None
    ) -> WriteResult:
        return self._after(self._store.replace(table, frame, where, marker))

    def merge(
        self, table: TableSpec, frame: Rows, spec: MergeSpec, marker: Marker | None = None
    ) -> WriteResult:
        return self._after(self._store.merge(table, frame, spec, marker))

    def replace_keys(
        self, table: TableSpec, frame: Rows, affected: Rows, marker: Marker | None = None
    ) -> WriteResult:
        return self._after(self._store.replace_keys(table, frame, affected, marker))

    def _after(self, result: WriteResult) -> WriteResult:
        self.writes.append(result.table)
        if self._crash_after is not None and len(self.writes) >= self._crash_after:
            raise SimulatedCrash(len(self.writes), result.table)
        return result
