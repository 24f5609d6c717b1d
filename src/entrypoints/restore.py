"""``lakecore restore --table T --version V | --timestamp TS``: roll a table back with Delta's
RESTORE, as a new version; the next run rebuilds what reads it (gold, from restored silver).

    lakecore restore --table silver.orders --version 41
    lakecore restore --table gold.fact_orders --timestamp 2026-11-28T06:00:00
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from entrypoints.containers import Container, existing_lake
from entrypoints.runner import EXIT_OK, progress, running
from lakecore.maintenance import restore
from lakecore.schema import TableId


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", required=True, help="<layer>.<name>, e.g. silver.orders")
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--version", type=int, help="the table version to bring back")
    when.add_argument(
        "--timestamp",
        type=_utc,
        help="the table as it was at this time (ISO 8601, UTC), e.g. 2026-11-28T06:00:00",
    )


def _utc(text: str) -> datetime:
    """ISO 8601; with an offset, converted to UTC; without, taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def command(args: argparse.Namespace) -> int:
    container = Container()
    table = container.pipeline().table(TableId.parse(args.table))
    existing_lake(container.settings())
    with running(container, "restore") as started:
        done = restore(
            table,
            maintenance=started.maintenance(),
            store=started.store(),
            version=args.version,
            timestamp=args.timestamp,
            progress=progress,
        )
    what = f"version {done.restored}" if done.restored is not None else f"{args.timestamp}"
    print(
        f"restored {done.table} to {what}: now version {done.version} (was {done.previous}); "
        "the next run rebuilds what reads it"
    )
    return EXIT_OK
