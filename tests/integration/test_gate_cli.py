"""The hard gate through the command line, on local Spark + Delta: a dirty day stops with
exit 1, prints what failed and leaves gold as it was; ``lakecore dq`` judges one table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _lakecore(lake: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LAKECORE_LAKE_ROOT": str(lake), "LAKECORE_LOG_FORMAT": "json"}
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _gold_versions(lake: Path) -> dict[str, list[str]]:
    return {
        table.name: sorted(p.name for p in (table / "_delta_log").glob("*.json"))
        for table in sorted((lake / "gold").glob("*"))
        if (table / "_delta_log").exists()
    }


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake after one clean day."""
    root = tmp_path_factory.mktemp("gate-cli")
    lake = root / "lake"
    clean = root / "clean"
    assert _lakecore(lake, "generate", "--out", str(clean), "--rows", "2000", "--dirty", "0",
                     "--date", "2026-11-26").returncode == 0  # fmt: skip
    done = _lakecore(lake, "run", "daily", "--landing", str(clean), "--date", "2026-11-26")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Quality gate" in done.stdout
    assert "FAILED" not in done.stdout
    return lake


def test_a_dirty_day_stops_with_exit_1_and_gold_unchanged(lake: Path, tmp_path: Path) -> None:
    dirty = tmp_path / "dirty"
    _lakecore(lake, "generate", "--out", str(dirty), "--rows", "2000", "--dirty", "0.05",
              "--date", "2026-11-27", "--seed", "11")  # fmt: skip
    before = _gold_versions(lake)
    done = _lakecore(lake, "run", "daily", "--landing", str(dirty), "--date", "2026-11-27")
    assert done.returncode == 1, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("lakecore: error:")]
    assert len(errors) == 1
    assert "quality gate failed: silver.quarantine quarantine_share" in errors[0]
    assert "FAILED  silver.quarantine" in done.stdout
    assert _gold_versions(lake) == before
    share = json.loads(
        sorted((lake / "gold/quality/silver.quarantine").glob("*.json"))[-1].read_text()
    )
    assert share["result"] == "failed"
    (rule,) = share["rules"]
    assert rule["passed"] is False
    assert rule["unexpected"] > 0.01 * share["rows"]


def test_dq_judges_one_table_and_writes_its_report(lake: Path) -> None:
    done = _lakecore(lake, "dq", "--table", "gold.fact_orders")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "passed  gold.fact_orders" in done.stdout
    reports = sorted((lake / "gold/quality/gold.fact_orders").glob("*.json"))
    latest = json.loads(reports[-1].read_text())
    assert latest["executor"] == "native"
    assert latest["table_version"] is not None
    assert latest["result"] == "passed"


def test_dq_with_great_expectations_builds_data_docs(lake: Path) -> None:
    done = _lakecore(lake, "dq", "--table", "gold.dim_fx", "--executor", "gx", "--docs")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "passed  gold.dim_fx" in done.stdout
    assert "[gx]" in done.stdout
    assert list((lake / "gold/quality/_data_docs").rglob("index.html"))
    assert "Data Docs: " in done.stdout
