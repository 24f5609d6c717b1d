"""Failures print one line, and never a secret: not from a setting, not from a vendor error
behind a lakecore error. No Spark: every failure here happens before a session starts."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from entrypoints import cli
from entrypoints.runner import guarded
from entrypoints.settings import Settings
from lakecore.errors import CommitConflict, ConfigurationError, TerminalError

SECRET = f"s3cr3t-{secrets.token_hex(12)}"
LAKE_WITH_KEYS = f"s3a://AKIA{secrets.token_hex(8).upper()}:{SECRET}@lake-bucket/lake"


@pytest.fixture(autouse=True)
def _no_jars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Should a test ever get as far as Spark, it fails at once instead of starting a JVM.
    monkeypatch.setenv("LAKECORE_JARS_DIR", str(tmp_path / "no-jars"))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LAKECORE_LAKE_ROOT", LAKE_WITH_KEYS),
        ("LAKECORE_LAKE_ROOT", f"https://etl:{SECRET}@lake.example.invalid/lake"),
        ("LAKECORE_SPARK_SHUFFLE_PARTITIONS", SECRET),
        ("LAKECORE_SPARK_UI", SECRET),
        ("LAKECORE_LOG_FORMAT", SECRET),
        ("LAKECORE_ENV", SECRET),
        ("LAKECORE_GATE_EXECUTOR", SECRET),
    ],
)
def test_a_secret_in_a_setting_is_refused_without_being_repeated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert cli.main(["show", "gold.fact_orders"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"lakecore: error: invalid setting {variable}:")
    assert err.count("\n") == 1
    assert SECRET not in out + err


def test_a_lake_root_with_credentials_fails_the_real_process_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "LAKECORE_LAKE_ROOT": LAKE_WITH_KEYS}
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "show", "gold.fact_orders"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "LAKECORE_LAKE_ROOT: Value error, must not carry credentials" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_settings_error_does_not_carry_the_rejected_value() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(lake_root=LAKE_WITH_KEYS)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)


def test_settings_ignore_stray_secret_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKECORE_SALESFORCE_PASSWORD", SECRET)
    monkeypatch.setenv("LAKECORE_AWS_SECRET_ACCESS_KEY", SECRET)
    settings = Settings()
    assert SECRET not in repr(settings)
    assert SECRET not in settings.model_dump_json()


def _wrapped(error: type[Exception], message: str) -> None:
    """An adapter's error translation: a vendor error carrying a secret, wrapped at the edge."""
    try:
        raise OSError(f"403 AccessDenied for {LAKE_WITH_KEYS} (key {SECRET})")
    except OSError as vendor:
        raise error(message) from vendor


@pytest.mark.parametrize(
    ("error", "code"), [(TerminalError, 1), (CommitConflict, 75), (ConfigurationError, 2)]
)
def test_guarded_prints_the_lakecore_message_only(
    capsys: pytest.CaptureFixture[str], error: type[Exception], code: int
) -> None:
    assert guarded(lambda: _wrapped(error, "silver.orders: cannot write the lake")) == code
    out, err = capsys.readouterr()
    assert err == "lakecore: error: silver.orders: cannot write the lake\n"
    assert SECRET not in out + err
