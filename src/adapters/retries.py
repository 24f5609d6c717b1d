"""Retries for the calls sources make to their systems: tenacity, one policy."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from lakecore.errors import TransientError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, ``attempts`` tries in all."""

    attempts: int = 6
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 60.0


def retried(
    call: Callable[[], T],
    *,
    system: str,
    policy: RetryPolicy,
    transient: Callable[[BaseException], bool],
    describe: Callable[[BaseException | None], str],
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call``, again while it fails ``transient``-ly; ``TransientError`` (exit 75) when the
    attempts run out. Any other failure propagates as it is, for the caller to translate."""
    retrying = Retrying(
        retry=retry_if_exception(transient),
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential_jitter(
            multiplier=policy.backoff_seconds,
            max=policy.backoff_max_seconds,
            jitter=policy.backoff_seconds,
        ),
        sleep=sleep,
        reraise=False,
    )
    try:
        return retrying(call)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        raise TransientError(
            f"{system} still unavailable after {policy.attempts} attempts: {describe(last)}"
        ) from None
