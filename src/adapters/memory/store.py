"""``InMemoryTableStore``: tables as versioned lists of rows, with the core's MERGE semantics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.memory.engine import Rows
from lakecore.errors import SchemaMismatch, TableNotFound
from lakecore.merge import MergeSpec, merge
from lakecore.ports import SAME_ROWS, Commit, Marker, Slice, WriteResult
from lakecore.schema import TableId, TableSpec


@dataclass
class _Table:
    versions: list[Rows] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    markers: dict[str, Marker] = field(default_factory=dict)


class InMemoryTableStore:
    """Every write makes a new version; ``read(version=n)`` travels back. A write carrying a
    marker its table has already applied is skipped, as Delta's idempotent writes are.

    Raises ``TableNotFound`` reading a table never written, ``SchemaMismatch`` writing rows
    with columns the table does not have, or rows outside the slice of a ``replace``.
    """

    def __init__(self) -> None:
        self._tables: dict[TableId, _Table] = {}

    def exists(self, table: TableId) -> bool:
        return table in self._tables

    def version(self, table: TableId) -> int | None:
        state = self._tables.get(table)
        return len(state.versions) - 1 if state else None

    def marker(self, table: TableId, app: str) -> int | None:
        found = self._marked(table, app)
        return found.version if found else None

    def marker_state(self, table: TableId, app: str) -> str | None:
        found = self._marked(table, app)
        return found.state if found else None

    def _marked(self, table: TableId, app: str) -> Marker | None:
        state = self._tables.get(table)
        return state.markers.get(app) if state else None

    def read(self, table: TableSpec, version: int | None = None) -> Rows:
        versions = self._get(table.id).versions
        if version is not None and not 0 <= version < len(versions):
            raise TableNotFound(f"{table.id} has no version {version}")
        rows = versions[-1 if version is None else version]
        return [dict(row) for row in rows]

    def append(self, table: TableSpec, frame: Rows, marker: Marker | None = None) -> WriteResult:
        if self._applied(table.id, marker):
            return WriteResult(table.id, None, skipped=True)
        new = self._conform(table, frame)
        added = [c for c in (new[0] if new else {}) if c not in table.column_names]
        # Columns one append brings are null in the rows before it (schema evolution).
        rows = [{**row, **{c: row.get(c) for c in added}} for row in self._current(table)] + new
        return self._commit(table, rows, "WRITE", marker, written=len(frame))

    def overwrite(self, table: TableSpec, frame: Rows, marker: Marker | None = None) -> WriteResult:
        if self._applied(table.id, marker):
            return WriteResult(table.id, None, skipped=True)
        rows = self._conform(table, frame)
        return self._commit(table, rows, "OVERWRITE", marker, written=len(frame))

    def replace(
        self, table: TableSpec, frame: Rows, where: Slice, marker: Marker | None = None
    ) -> WriteResult:
        if self._applied(table.id, marker):
            return WriteResult(table.id, None, skipped=True)
        new = self._conform(table, frame)
        outside = [row for row in new if not where.holds(row)]
        if outside:
            raise SchemaMismatch(f"{table.id}: {len(outside)} rows fall outside {where}")
        kept = [row for row in self._current(table) if not where.holds(row)]
        return self._commit(table, kept + new, "REPLACE", marker, written=len(new))

    def replace_keys(
        self, table: TableSpec, frame: Rows, affected: Rows, marker: Marker | None = None
    ) -> WriteResult:
        if self._applied(table.id, marker):
            return WriteResult(table.id, None, skipped=True)
        columns = tuple(affected[0]) if affected else ()
        keys = {k for row in affected if None not in (k := _key(columns, row))}
        new = self._conform(table, frame)
        outside = [row for row in new if _key(columns, row) not in keys]
        if outside:
            raise SchemaMismatch(f"{table.id}: {len(outside)} rows have keys not in affected")
        current = self._current(table)
        kept = [row for row in current if _key(columns, row) not in keys]
        return self._commit(
            table, kept + new, "MERGE", marker, written=len(new),
            inserted=len(new), deleted=len(current) - len(kept),
        )  # fmt: skip

    def changes(self, table: TableSpec, after: int, upto: int) -> Rows | None:
        state = self._get(table.id)
        if not 0 <= after <= upto < len(state.versions):
            return None
        out: Rows = []
        for version in range(after + 1, upto + 1):
            commit = state.commits[version]
            if commit.operation in SAME_ROWS:
                continue
            if commit.operation not in ("WRITE", "MERGE") or commit.metrics["rows_deleted"]:
                return None
            before = Counter(_content(row, table) for row in state.versions[version - 1])
            for row in state.versions[version]:
                content = _content(row, table)
                if before[content]:
                    before[content] -= 1
                else:
                    out.append(dict(row))
        return out

    def rewrite(self, table: TableSpec, rows: Rows, operation: str) -> int:
        """A new version holding ``rows`` made by ``operation`` (maintenance: OPTIMIZE
        keeps the rows, RESTORE brings back an old version's)."""
        return (
            self._commit(table, self._conform(table, rows), operation, None, written=0).version or 0
        )

    def merge(
        self, table: TableSpec, frame: Rows, spec: MergeSpec, marker: Marker | None = None
    ) -> WriteResult:
        if self._applied(table.id, marker):
            return WriteResult(table.id, None, skipped=True)
        outcome = merge(self._current(table), self._conform(table, frame), spec)
        return self._commit(
            table,
            outcome.rows,
            "MERGE",
            marker,
            written=outcome.inserted + outcome.updated,
            inserted=outcome.inserted,
            updated=outcome.updated,
        )

    def history(self, table: TableId, limit: int | None = None) -> list[Commit]:
        return list(reversed(self._get(table).commits))[:limit]

    def _get(self, table: TableId) -> _Table:
        try:
            return self._tables[table]
        except KeyError:
            raise TableNotFound(f"{table} has no data yet") from None

    def _current(self, table: TableSpec) -> Rows:
        return self.read(table) if self.exists(table.id) else []

    def _applied(self, table: TableId, marker: Marker | None) -> bool:
        if marker is None:
            return False
        done = self.marker(table, marker.app)
        return done is not None and done >= marker.version

    def _conform(self, table: TableSpec, frame: Rows) -> Rows:
        names = list(table.column_names)
        if table.evolves and self.exists(table.id):
            current = self._get(table.id).versions[-1]
            names += [c for c in (current[0] if current else {}) if c not in names]
        for row in frame:
            extra = [c for c in row if c not in names]
            if extra and not table.evolves:
                raise SchemaMismatch(f"{table.id} has no columns {sorted(extra)}")
            names += extra
        return [{c: row.get(c) for c in names} for row in frame]

    def _commit(
        self, table: TableSpec, rows: Rows, operation: str, marker: Marker | None, *,
        written: int, inserted: int = 0, updated: int = 0, deleted: int = 0,
    ) -> WriteResult:  # fmt: skip
        state = self._tables.setdefault(table.id, _Table())
        version = len(state.versions)
        state.versions.append(rows)
        metrics = {
            "rows_written": written,
            "rows_inserted": inserted,
            "rows_updated": updated,
            "rows_deleted": deleted,
        }
        state.commits.append(Commit(version, datetime.now(UTC), operation, metrics, marker))
        if marker is not None:
            state.markers[marker.app] = marker
        return WriteResult(table.id, version, written, inserted, updated)


def _key(columns: tuple[str, ...], row: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(row.get(c) for c in columns)


def _content(row: Mapping[str, object], table: TableSpec) -> tuple[str, ...]:
    """What a row holds, its lineage aside."""
    return tuple(repr(row.get(c)) for c in table.business_columns)
