"""The secret scan `make security` runs: the repository's baseline records no secret, and a
new one fails the check. Secrets here are put together at run time, never written out."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / ".secrets.baseline"
HOOK = Path(sys.executable).with_name("detect-secrets-hook")
PRIVATE_KEY = "-----BEGIN " + "PRIVATE KEY-----"

Scan = Callable[[str], subprocess.CompletedProcess[str]]


def test_the_baseline_records_no_secret() -> None:
    assert json.loads(BASELINE.read_text())["results"] == {}


@pytest.fixture
def scan(tmp_path: Path) -> Scan:
    """Run the check of `make security` on one file, in a scratch git repository."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(BASELINE, tmp_path / ".secrets.baseline")

    def run(text: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / "new.py").write_text(text)
        return subprocess.run(
            [str(HOOK), "--no-verify", "--baseline", ".secrets.baseline", "new.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


def test_a_new_secret_fails_the_check(scan: Scan) -> None:
    key_id = "AKIA" + secrets.token_hex(8).upper()
    result = scan(f'aws_access_key_id = "{key_id}"\npassword = "{secrets.token_hex(16)}"\n')
    assert result.returncode == 1
    assert "AWS Access Key" in result.stdout
    assert "Secret Keyword" in result.stdout


def test_clean_code_passes_the_check(scan: Scan) -> None:
    assert scan('secret_names = ("lakecore/salesforce",)\n').returncode == 0


def test_only_the_documented_key_placeholder_is_excused(scan: Scan) -> None:
    placeholder = '{"private_key": "' + PRIVATE_KEY + '\\n…",\n'
    assert scan(placeholder).returncode == 0
    real = '{"private_key": "' + PRIVATE_KEY + "\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + '",\n'
    assert scan(real).returncode == 1
