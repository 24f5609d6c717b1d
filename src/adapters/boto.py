"""AWS API errors as lakecore errors, for every adapter that calls AWS through boto3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lakecore.errors import ConfigurationError, TransientError

#: Answers a retry cannot change: no such thing, no permission, bad credentials, bad input.
REFUSALS = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AlreadyExistsException",
        "EntityNotFoundException",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidInputException",
        "NoSuchBucket",
        "ResourceNotFoundException",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "ValidationException",
    }
)


@contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """``what`` failed: a ``ConfigurationError`` (exit 2) when AWS refused it for good, a
    ``TransientError`` (exit 75) when it may pass (unreachable, throttled, a 5xx)."""
    from botocore.exceptions import BotoCoreError, ClientError  # the aws extra, when used

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), str(error.get("Message", ""))[:200]
        kind = ConfigurationError if code in REFUSALS else TransientError
        raise kind(f"{what}: {code} {message}".rstrip()) from None
    except BotoCoreError as exc:
        raise TransientError(f"{what}: AWS unreachable ({type(exc).__name__})") from None
