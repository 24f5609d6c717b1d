"""What every command shares: the container's lifecycle, the run context, exit codes."""

from __future__ import annotations

import argparse
import errno
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import structlog
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from entrypoints.containers import Container
from lakecore.errors import LakecoreError, TerminalError, first_line
from lakecore.ports import RunContext

log = structlog.get_logger("lakecore")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TRANSIENT = 0, 1, 2, 75


def day(text: str) -> date:
    """An argparse type: a date as YYYY-MM-DD, or a one-line usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def location(text: str) -> str:
    """An argparse type: a path or URI, refused (one usage line) when empty, holding NUL or
    not UTF-8."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path")
    if "\x00" in text:
        raise argparse.ArgumentTypeError(f"a path cannot hold a NUL character: {text!r}")
    try:  # bytes that are not UTF-8 reach Python as lone surrogates; Spark could not use them
        text.encode()
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(f"a path must be UTF-8 text: {text!r}") from None
    return text


def local_path(text: str) -> Path:
    """An argparse type: a local path (``location``'s checks)."""
    return Path(location(text))


def new_run(proc_date: date | None = None) -> RunContext:
    now = datetime.now(UTC).replace(tzinfo=None)
    day = proc_date or now.date()
    return RunContext(f"{day:%Y%m%d}-{uuid.uuid4().hex[:8]}", day, now)


class _Rate(ProgressColumn):
    """Records per second, once there is a rate to show."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s")


class _Bars:
    """On a terminal, a long extraction shows a bar per table: records so far, rate, and an
    estimate when the system says how many to expect (rich). Elsewhere, and for every other
    step, progress is a log event: JSON in a job, a readable line on a terminal."""

    _QUIET = ("source.chunk", "source.extracted")
    #: said again, with the lag and the duration, by the stream's own ``stream.batch``
    _SAID_AGAIN = ("stream.written",)

    def __init__(self) -> None:
        self._live: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, step: str, **facts: Any) -> None:
        table = str(facts.get("table", ""))
        if step == "source.started" and sys.stderr.isatty():
            self._start(table)
        if self._live is not None and step in self._QUIET:
            if step == "source.chunk":
                self._live.update(self._tasks[table], completed=facts.get("extracted", 0),
                                  total=facts.get("total"))  # fmt: skip
            return
        if step == "source.done":
            self._stop()
        if step in self._SAID_AGAIN:
            log.debug(step, **facts)
            return
        log.info(step, **facts)

    def _start(self, table: str) -> None:
        self._stop()
        self._live = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("records"),
            _Rate(),
            TimeRemainingColumn(),
            transient=True,
            console=Console(stderr=True),
        )
        self._tasks = {table: self._live.add_task(table, total=None)}
        self._live.start()

    def _stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


progress = _Bars()


@contextmanager
def running(container: Container, job: str, run: RunContext | None = None) -> Iterator[Container]:
    """Start the container's resources, bind the run to every log line, shut down after.
    With a ``run``, its lineage events are sent: at the start, and at the end with what the
    run read, wrote and judged (and its error, when it failed)."""
    # Logging first: ``init_resources`` starts resources in no fixed order, and what the
    # others log while they start must already be formatted and masked.
    container.logging.init()
    container.init_resources()
    structlog.contextvars.bind_contextvars(job=job, **({"run_id": run.run_id} if run else {}))
    try:
        if run is None:
            yield container
            return
        lineage = container.lineage()
        lineage.started(job, run)
        try:
            yield container
        except BaseException as exc:
            error = container.secret_values().mask_text(str(exc) or type(exc).__name__)
            lineage.finished(job, run, container.observed(), error)
            raise
        lineage.finished(job, run, container.observed())
    except Exception as exc:
        if not _from_spark(exc):
            raise
        # A Spark error no adapter translated: its first line, masked, as a terminal error.
        line = container.secret_values().mask_text(first_line(exc))
        raise TerminalError(f"Spark: {line}") from exc
    finally:
        container.shutdown_resources()


def _from_spark(exc: BaseException) -> bool:
    return type(exc).__module__.partition(".")[0] in ("pyspark", "py4j")


@contextmanager
def logged(container: Container, job: str) -> Iterator[Container]:
    """Logging configured (secrets masked) and no Spark: for commands that only call
    services or build files."""
    container.logging.init()
    structlog.contextvars.bind_contextvars(job=job)
    try:
        yield container
    finally:
        container.logging.shutdown()


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
    except OSError as exc:  # what the system refused (a path, a connection), with its reason
        where = next((str(n) for n in (exc.filename, exc.filename2) if n is not None), "")
        reason = exc.strerror or first_line(exc)
        code = EXIT_USAGE if exc.errno in _USAGE_ERRNOS else EXIT_FAILED
        if isinstance(exc, ConnectionError | TimeoutError):  # a system that did not answer
            code = EXIT_TRANSIENT
        return _fail(f"{where}: {reason}" if where else reason, code)
    except Exception as exc:  # a bug: said in one line, without its (unmasked) message
        return _fail(f"internal error: {type(exc).__name__} at {_where(exc)} "
                     "(a bug in lakecore; please report it)", EXIT_FAILED)  # fmt: skip


#: OS errors about a path given (missing, not a folder, too long, not allowed): usage errors
_USAGE_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG,
                           errno.EACCES, errno.EPERM, errno.EEXIST, errno.EROFS, errno.ELOOP})  # fmt: skip
_OWN = ("entrypoints", "lakecore", "adapters", "pipelines")


def _where(exc: BaseException) -> str:
    """``file:line`` of the innermost frame of the traceback in lakecore's own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if Path(f.filename).parent.name in _OWN] or frames
    if not own:
        return "?"
    last = own[-1]
    parts = Path(last.filename).parts
    return f"{'/'.join(parts[-2:])}:{last.lineno}"


def _fail(message: str, code: int) -> int:
    """One line on stderr: a message that spans lines is joined into one."""
    print(f"lakecore: error: {' '.join(message.split())}", file=sys.stderr)
    return code
