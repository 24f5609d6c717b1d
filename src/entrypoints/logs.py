"""structlog set-up: JSON lines in jobs, readable lines on a terminal, secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import structlog

_SECRET_KEY = re.compile(r"pass(word)?|secret|token|private_key|api_key|credential", re.I)
REDACTED = "***"


def redact_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace the value of any field whose name says it is a secret."""
    for key in list(event):
        if _SECRET_KEY.search(key):
            event[key] = REDACTED
    return event


def configure(log_format: str = "auto", level: str = "INFO") -> Iterator[None]:
    """A Resource: configure structlog (and stdlib logging) for this process."""
    as_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("py4j").setLevel(logging.ERROR)
    yield
    structlog.contextvars.clear_contextvars()
