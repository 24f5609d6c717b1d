"""What every command shares: the container's lifecycle, the run context, exit codes."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import structlog
from pydantic import ValidationError

from entrypoints.containers import Container
from lakecore.errors import LakecoreError
from lakecore.ports import RunContext

log = structlog.get_logger("lakecore")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TRANSIENT = 0, 1, 2, 75


def new_run(proc_date: date | None = None) -> RunContext:
    now = datetime.now(UTC).replace(tzinfo=None)
    day = proc_date or now.date()
    return RunContext(f"{day:%Y%m%d}-{uuid.uuid4().hex[:8]}", day, now)


def progress(step: str, **facts: Any) -> None:
    """Progress is a log event: JSON in a job, a readable line on a terminal."""
    log.info(step, **facts)


@contextmanager
def running(container: Container, job: str, run: RunContext | None = None) -> Iterator[Container]:
    """Start the container's resources, bind the run to every log line, shut down after."""
    container.init_resources()
    structlog.contextvars.bind_contextvars(job=job, **({"run_id": run.run_id} if run else {}))
    try:
        yield container
    finally:
        container.shutdown_resources()


def guarded(command: Callable[[], int]) -> int:
    """Run a command; map every failure to one line on stderr and the right exit code."""
    try:
        return command()
    except LakecoreError as exc:
        return _fail(str(exc), exc.exit_code)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _fail(f"invalid setting LAKECORE_{where.upper()}: {first['msg']}", EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, code: int) -> int:
    print(f"lakecore: error: {message}", file=sys.stderr)
    return code
