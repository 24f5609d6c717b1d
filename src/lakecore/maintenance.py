"""Keeping a lake fast and bounded: compact each table's small files (OPTIMIZE, Z-ORDER BY
the columns its ``TableSpec`` names), then remove the files no retained version needs
(VACUUM), and log what each run did in a table of its own.

A retention below ``MIN_RETAIN_HOURS`` (one week) is refused unless forced: a reader or
writer older than the retention may still need a file VACUUM removes, and time travel to
the versions before it stops working.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from lakecore.errors import ConfigurationError
from lakecore.ports import Progress, RunContext, TableStore
from lakecore.schema import BOOLEAN, LONG, TIMESTAMP, Column, Layer, TableId, TableSpec

F = TypeVar("F")
F_co = TypeVar("F_co", covariant=True)

#: Delta's own default, and the shortest retention lakecore accepts without ``force``.
MIN_RETAIN_HOURS = 168
#: What the refusal says, and what the flag that overrides it is called.
FORCE_FLAG = "--force-retention-below-168h-breaks-time-travel"

MAINTENANCE_LOG = TableSpec(
    TableId(Layer.OPERATIONS, "maintenance"),
    columns=(
        Column("table_name", nullable=False),
        Column("run_id", nullable=False),
        Column("started_at", TIMESTAMP, nullable=False),
        Column("duration_ms", LONG, nullable=False),
        Column("dry_run", BOOLEAN, nullable=False),
        Column("retain_hours", LONG, nullable=False),
        Column("zorder_by"),
        Column("files_before", LONG, nullable=False),
        Column("bytes_before", LONG, nullable=False),
        Column("files_after", LONG, nullable=False),
        Column("bytes_after", LONG, nullable=False),
        Column("files_compacted", LONG, nullable=False),
        Column("files_vacuumed", LONG, nullable=False),
        Column("version_before", LONG),
        Column("version_after", LONG),
    ),
    description="What each `lakecore housekeeping` run did to each table: files and bytes "
    "before and after, versions, duration.",
)


@dataclass(frozen=True, slots=True)
class Files:
    """The data files the current version of a table reads."""

    count: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Maintained:
    """One table's housekeeping: a row of ``MAINTENANCE_LOG``."""

    table_name: str
    run_id: str
    started_at: datetime
    duration_ms: int
    dry_run: bool
    retain_hours: int
    zorder_by: str | None
    files_before: int
    bytes_before: int
    files_after: int
    bytes_after: int
    files_compacted: int
    files_vacuumed: int
    version_before: int | None
    version_after: int | None
    #: the files VACUUM removed (or, in a dry run, would remove); not logged
    removed: tuple[str, ...] = ()

    def row(self, table: TableSpec) -> dict[str, object]:
        """The log row: the fields ``table`` (``MAINTENANCE_LOG``) has."""
        return {name: getattr(self, name) for name in table.column_names}


class Maintenance(Protocol[F_co]):
    """What housekeeping needs from a table format (Delta's OPTIMIZE and VACUUM)."""

    def files(self, table: TableSpec) -> Files: ...

    def optimize(self, table: TableSpec) -> int:
        """Compact the table's small files (Z-ordered by ``table.zorder_by`` when it names
        columns); the number of files removed by the compaction."""
        ...

    def vacuum(self, table: TableSpec, retain_hours: int, *, dry_run: bool) -> list[str]:
        """Delete (or, ``dry_run``, only list) the files no version within ``retain_hours``
        reads; the files deleted or to be deleted."""
        ...

    def restore(
        self, table: TableSpec, *, version: int | None = None, timestamp: datetime | None = None
    ) -> int:
        """Make the table's content what it was at ``version`` (or at ``timestamp``) as a new
        version, which it returns. Raises ``ConfigurationError`` when the files of that
        version are gone (VACUUM)."""
        ...

    def frame(self, table: TableSpec, rows: Sequence[Maintained]) -> F_co:
        """``rows`` as a frame of ``table`` (the maintenance log), to append."""
        ...


@dataclass(frozen=True, slots=True)
class Restored:
    table: TableId
    #: the version before the restore, the one restored, and the new one it made
    previous: int
    restored: int | None
    version: int


def restore(
    table: TableSpec,
    *,
    maintenance: Maintenance[F],
    store: TableStore[F],
    version: int | None = None,
    timestamp: datetime | None = None,
    progress: Progress,
) -> Restored:
    """Roll ``table`` back to ``version`` or ``timestamp`` (naive UTC) as a new version.

    What reads the table catches up on the next run: gold is built from its inputs' versions
    (a restore is a new version, so gold is rebuilt from the restored content); progress
    markers are not rolled back, so a batch the restore took out is not applied again.
    Refused (``ConfigurationError``) outside the table's history.
    """
    if (version is None) == (timestamp is None):
        raise ConfigurationError("restore needs exactly one of --version and --timestamp")
    if not store.exists(table.id):
        raise ConfigurationError(f"{table.id} has no data: nothing to restore")
    history = sorted(store.history(table.id), key=lambda c: c.version)
    current, oldest = history[-1], history[0]
    if version is not None and not oldest.version <= version < current.version:
        raise ConfigurationError(
            f"{table.id} can be restored to versions {oldest.version} to "
            f"{current.version - 1}, not {version}"
        )
    first, last = _utc(oldest.timestamp), _utc(current.timestamp)
    if timestamp is not None and not first <= _utc(timestamp) < last:
        raise ConfigurationError(
            f"{table.id} can be restored to a time from {first:%Y-%m-%d %H:%M:%S} to before "
            f"{last:%Y-%m-%d %H:%M:%S} (UTC), not {timestamp:%Y-%m-%d %H:%M:%S}"
        )
    made = maintenance.restore(table, version=version, timestamp=timestamp)
    progress("restore.done", table=str(table.id), restored=version, timestamp=timestamp,
             version=made)  # fmt: skip
    return Restored(table.id, current.version, version, made)


def _utc(moment: datetime) -> datetime:
    """Naive UTC, whatever the adapter's timestamps are."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def check_retention(retain_hours: int, *, force: bool) -> None:
    if retain_hours < 0:
        raise ConfigurationError(f"--retain-hours must be 0 or more, got {retain_hours}")
    if retain_hours < MIN_RETAIN_HOURS and not force:
        raise ConfigurationError(
            f"--retain-hours {retain_hours} is below {MIN_RETAIN_HOURS} (7 days): a running "
            "reader or writer older than that may fail and time travel before it stops "
            f"working; pass {FORCE_FLAG} to do it anyway"
        )


def housekeeping(
    tables: Iterable[TableSpec],
    *,
    maintenance: Maintenance[F],
    store: TableStore[F],
    run: RunContext,
    retain_hours: int = MIN_RETAIN_HOURS,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress,
) -> list[Maintained]:
    """OPTIMIZE then VACUUM each table that exists (a dry run changes nothing and lists what
    VACUUM would delete), one row per table appended to ``MAINTENANCE_LOG``.

    The log is written once, after every table: a run stopped midway leaves the tables it
    compacted compacted (OPTIMIZE and VACUUM change no content) and logs nothing.
    """
    check_retention(retain_hours, force=force)
    done: list[Maintained] = []
    for table in tables:
        if not store.exists(table.id):
            progress("housekeeping.skipped", table=str(table.id), reason="no data yet")
            continue
        done.append(_one(table, maintenance, store, run, retain_hours, dry_run, progress))
    if done and not dry_run:
        store.append(MAINTENANCE_LOG, maintenance.frame(MAINTENANCE_LOG, done))
    return done


def _one(
    table: TableSpec,
    maintenance: Maintenance[F],
    store: TableStore[F],
    run: RunContext,
    retain_hours: int,
    dry_run: bool,
    progress: Progress,
) -> Maintained:
    started, clock = datetime.now(UTC).replace(tzinfo=None), time.monotonic()
    before, version_before = maintenance.files(table), store.version(table.id)
    progress("housekeeping.table", table=str(table.id), files=before.count, bytes=before.bytes)
    compacted = 0 if dry_run else maintenance.optimize(table)
    vacuumed = maintenance.vacuum(table, retain_hours, dry_run=dry_run)
    after = before if dry_run else maintenance.files(table)
    done = Maintained(
        table_name=str(table.id),
        run_id=run.run_id,
        started_at=started,
        duration_ms=int((time.monotonic() - clock) * 1000),
        dry_run=dry_run,
        retain_hours=retain_hours,
        zorder_by=",".join(table.zorder_by) or None,
        files_before=before.count,
        bytes_before=before.bytes,
        files_after=after.count,
        bytes_after=after.bytes,
        files_compacted=compacted,
        files_vacuumed=len(vacuumed),
        version_before=version_before,
        version_after=store.version(table.id),
        removed=tuple(vacuumed),
    )
    facts = done.row(MAINTENANCE_LOG)
    progress("housekeeping.done", **{k: v for k, v in facts.items() if k != "started_at"})
    return done


__all__ = [
    "FORCE_FLAG",
    "MAINTENANCE_LOG",
    "MIN_RETAIN_HOURS",
    "Files",
    "Maintained",
    "Maintenance",
    "Restored",
    "check_retention",
    "housekeeping",
    "restore",
]
