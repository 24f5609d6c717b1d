"""``lakecore housekeeping``: OPTIMIZE (Z-ORDER BY each table's ``zorder_by``) then VACUUM
every table of the pipeline, or those named; each run logged in ``_ops.maintenance``.

    lakecore housekeeping                       # all tables, 168 h retention
    lakecore housekeeping --table silver.orders --dry-run
"""

from __future__ import annotations

import argparse

from entrypoints.containers import Container
from entrypoints.runner import EXIT_OK, new_run, progress, running
from lakecore.maintenance import (
    FORCE_FLAG,
    MIN_RETAIN_HOURS,
    Maintained,
    check_retention,
    housekeeping,
)
from lakecore.schema import TableId


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--table", action="append", help="<layer>.<name> (repeatable; default: every table)"
    )
    parser.add_argument(
        "--retain-hours",
        type=int,
        default=MIN_RETAIN_HOURS,
        help=f"VACUUM keeps the files of the versions of the last N hours (default {MIN_RETAIN_HOURS})",
    )
    parser.add_argument(
        FORCE_FLAG,
        dest="force",
        action="store_true",
        help=f"allow --retain-hours below {MIN_RETAIN_HOURS}: older readers fail, time travel ends",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="change nothing; list what VACUUM would remove"
    )


def command(args: argparse.Namespace) -> int:
    check_retention(args.retain_hours, force=args.force)  # before Spark starts
    container = Container()
    pipeline = container.pipeline()
    tables = (
        [pipeline.table(TableId.parse(name)) for name in args.table]
        if args.table
        else list(pipeline.tables)
    )
    context = new_run()
    with running(container, "housekeeping", context) as started:
        done = housekeeping(
            tables,
            maintenance=started.maintenance(),
            store=started.store(),
            run=context,
            retain_hours=args.retain_hours,
            force=args.force,
            dry_run=args.dry_run,
            progress=progress,
        )
    print(render(done, dry_run=args.dry_run))
    return EXIT_OK


def render(done: list[Maintained], *, dry_run: bool) -> str:
    if not done:
        return "housekeeping: no table has data yet"
    verb = "would remove" if dry_run else "removed"
    lines = [f"housekeeping{' (dry run: nothing changed)' if dry_run else ''}:"]
    for one in done:
        lines.append(
            f"  {one.table_name:<32} files {one.files_before:>5} -> {one.files_after:<5}"
            f" {one.bytes_before / 1e6:>9.1f} -> {one.bytes_after / 1e6:.1f} MB,"
            f" vacuum {verb} {one.files_vacuumed} files ({one.duration_ms / 1000:.1f} s)"
        )
        if dry_run:
            lines.extend(f"      {path}" for path in one.removed)
    return "\n".join(lines)
