"""``InMemoryTableStore``: tables as versioned lists of rows, with the core's MERGE semantics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.memory.engine import Rows
from lakecore.errors import SchemaMismatch, TableNotFound
from lakecore.merge import MergeSpec, merge
from lakecore.ports import Commit, WriteResult
from lakecore.schema import TableId, TableSpec


@dataclass
class _Table:
    versions: list[Rows] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)


class InMemoryTableStore:
    """Every write makes a new version; ``read(version=n)`` travels back.

    Raises ``TableNotFound`` reading a table never written, ``SchemaMismatch`` writing rows
    with columns the table does not have.
    """

    def __init__(self) -> None:
        self._tables: dict[TableId, _Table] = {}

    def exists(self, table: TableId) -> bool:
        return table in self._tables

    def read(self, table: TableSpec, version: int | None = None) -> Rows:
        versions = self._get(table.id).versions
        if version is not None and not 0 <= version < len(versions):
            raise TableNotFound(f"{table.id} has no version {version}")
        rows = versions[-1 if version is None else version]
        return [dict(row) for row in rows]

    def append(self, table: TableSpec, frame: Rows) -> WriteResult:
        current = self.read(table) if self.exists(table.id) else []
        rows = current + self._conform(table, frame)
        return self._commit(table, rows, "WRITE", written=len(frame))

    def overwrite(self, table: TableSpec, frame: Rows) -> WriteResult:
        return self._commit(table, self._conform(table, frame), "OVERWRITE", written=len(frame))

    def merge(self, table: TableSpec, frame: Rows, spec: MergeSpec) -> WriteResult:
        current = self.read(table) if self.exists(table.id) else []
        outcome = merge(current, self._conform(table, frame), spec)
        return self._commit(
            table,
            outcome.rows,
            "MERGE",
            written=outcome.inserted + outcome.updated,
            inserted=outcome.inserted,
            updated=outcome.updated,
        )

    def history(self, table: TableId) -> list[Commit]:
        return list(reversed(self._get(table).commits))

    def _get(self, table: TableId) -> _Table:
        try:
            return self._tables[table]
        except KeyError:
            raise TableNotFound(f"{table} has no data yet") from None

    @staticmethod
    def _conform(table: TableSpec, frame: Rows) -> Rows:
        names = table.column_names
        for row in frame:
            extra = set(row) - set(names)
            if extra:
                raise SchemaMismatch(f"{table.id} has no columns {sorted(extra)}")
        return [{c: row.get(c) for c in names} for row in frame]

    def _commit(
        self, table: TableSpec, rows: Rows, operation: str, *, written: int, inserted: int = 0,
        updated: int = 0,
    ) -> WriteResult:  # fmt: skip
        state = self._tables.setdefault(table.id, _Table())
        version = len(state.versions)
        state.versions.append(rows)
        metrics = {"rows_written": written, "rows_inserted": inserted, "rows_updated": updated}
        state.commits.append(Commit(version, datetime.now(UTC), operation, metrics))
        return WriteResult(table.id, version, written, inserted, updated)
