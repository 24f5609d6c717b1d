"""structlog set-up: JSON lines in jobs, readable lines on a terminal, secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import structlog

_SECRET_KEY = re.compile(r"pass(word)?|secret|token|private_key|api_key|credential", re.I)
REDACTED = "***"
#: Shorter values would mask ordinary text and give away more than they hide.
_SHORTEST_SECRET = 6


def redact_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace the value of any field whose name says it is a secret, nested fields too."""
    for key, value in event.items():
        event[key] = REDACTED if _SECRET_KEY.search(key) else _redact_nested(value)
    return event


def _redact_nested(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: REDACTED if _SECRET_KEY.search(str(k)) else _redact_nested(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_nested(v) for v in value]
    return value


class SecretValues:
    """The secret values this process holds, masked wherever they appear in a log line: the
    message, any field, a nested value, a traceback. Whatever fetches a secret adds it here."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: list[str] = []
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        if len(value) >= _SHORTEST_SECRET and value not in self._values:
            # Longest first, so a secret that contains another is masked whole.
            self._values = sorted([*self._values, value], key=len, reverse=True)

    def __call__(
        self, _: Any, __: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        if self._values:
            for key, value in event.items():
                event[key] = self._mask(value)
        return event

    def mask_text(self, text: str) -> str:
        """``text`` with every known secret value replaced (for reports and other output)."""
        for secret in self._values:
            text = text.replace(secret, REDACTED)
        return text

    def _mask(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: self._mask(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._mask(v) for v in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        text = value if isinstance(value, str) else repr(value)
        masked = self.mask_text(text)
        return value if masked == text else masked


def configure(
    log_format: str = "auto", level: str = "INFO", secrets: SecretValues | None = None
) -> Iterator[None]:
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
            secrets or SecretValues(),
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
