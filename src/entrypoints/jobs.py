"""The jobs lakecore ships to EMR Serverless: each is a ``lakecore`` command, run by a small
script (``lakecore package`` writes ``jobs/<job>.py``) that ``spark-submit`` starts, on EMR
Serverless or locally. Under ``spark-submit`` the command uses the session it was given.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

#: job -> the ``lakecore`` command it runs (its arguments follow)
JOBS: Mapping[str, tuple[str, ...]] = {
    "daily": ("run", "daily"),
    "extract": ("extract",),
    "backfill": ("backfill",),
    "stream": ("stream",),
    "register": ("register",),
    "dq": ("dq",),
    "housekeeping": ("housekeeping",),
}


def command(job: str, arguments: list[str]) -> list[str]:
    return [*JOBS[job], *arguments]


def run(job: str) -> None:
    """The body of ``jobs/<job>.py``: ``lakecore <command> <the script's arguments>``."""
    from entrypoints.cli import main

    sys.exit(main(command(job, sys.argv[1:])))
