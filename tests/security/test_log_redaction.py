"""Secrets never reach a log line: not by field name, not nested, not as a known value
anywhere else in the line (message, innocuous field, context, traceback)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import structlog

from entrypoints import logs
from entrypoints.containers import Container
from entrypoints.settings import Settings

# Made at run time, so the secret scanner has no literal to find and no other text matches it.
SECRET = f"s3cr3t-{secrets.token_hex(12)}"
FORMATS = ["json", "console"]


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    yield
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


@contextmanager
def logging(log_format: str, *known: str) -> Iterator[structlog.typing.FilteringBoundLogger]:
    """The entrypoints' logging Resource, set up as a job would set it up."""
    with contextmanager(logs.configure)(log_format, "DEBUG", logs.SecretValues(known)):
        yield structlog.get_logger("lakecore")


@pytest.mark.parametrize("log_format", FORMATS)
@pytest.mark.parametrize(
    "field",
    ["password", "db_password", "passwd", "token", "api_key", "client_secret", "private_key",
     "credentials", "AWS_SECRET_ACCESS_KEY", "sasl_password", "security_token"],
)  # fmt: skip
def test_a_field_named_as_a_secret_is_redacted(
    capsys: pytest.CaptureFixture[str], log_format: str, field: str
) -> None:
    with logging(log_format) as log:
        log.info("source.connected", user="etl", **{field: SECRET})
    err = capsys.readouterr().err
    assert SECRET not in err
    assert logs.REDACTED in err
    assert "etl" in err


@pytest.mark.parametrize("log_format", FORMATS)
def test_secret_fields_nested_in_a_structure_are_redacted(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    with logging(log_format) as log:
        log.info(
            "source.configured",
            config={"user": "etl", "password": SECRET, "brokers": [{"sasl_password": SECRET}]},
            options=({"token": SECRET},),
        )
    err = capsys.readouterr().err
    assert SECRET not in err
    assert "etl" in err


@dataclass
class Connection:
    url: str


@pytest.mark.parametrize("log_format", FORMATS)
def test_a_known_secret_value_is_masked_wherever_it_appears(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    with logging(log_format, SECRET) as log:
        structlog.contextvars.bind_contextvars(endpoint=f"https://etl:{SECRET}@example.invalid")
        log.info("source.connecting", url=f"https://example.invalid/api?key={SECRET}")
        log.info("source.connecting", attempts=[f"{SECRET}-1"], conn=Connection(SECRET))
        log.warning(f"login refused for {SECRET}")
        try:
            raise RuntimeError(f"401 Unauthorized: {SECRET}")
        except RuntimeError:
            log.exception("source.failed")
    err = capsys.readouterr().err
    assert SECRET not in err
    assert err.count(logs.REDACTED) >= 6
    assert "401 Unauthorized" in err


def test_ordinary_fields_pass_through_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    with logging("json", SECRET) as log:
        log.info("merge.completed", table="silver.orders", rows=3, ratio=0.5, dry_run=False)
    err = capsys.readouterr().err
    assert '"table": "silver.orders"' in err
    assert '"rows": 3' in err
    assert logs.REDACTED not in err


def test_values_too_short_to_be_secrets_are_not_registered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with logging("json", "a", "etl") as log:
        log.info("source.connected", user="etl", table="bronze.salesforce_accounts")
    assert logs.REDACTED not in capsys.readouterr().err


def test_the_container_masks_what_is_added_to_its_secret_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    container = Container()
    container.settings.override(Settings(log_format="json"))
    container.logging.init()  # logging only: no Spark
    try:
        container.secret_values().add(SECRET)
        structlog.get_logger("lakecore").info("source.fetched", detail=f"key={SECRET}")
    finally:
        container.logging.shutdown()
    err = capsys.readouterr().err
    assert SECRET not in err
    assert "key=***" in err
