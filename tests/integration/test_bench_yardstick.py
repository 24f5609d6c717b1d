"""The benchmark's hand-written job must do the same work as lakecore, or its ratio means
nothing: at a small size, both must end with the same rows in every checked table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def test_the_hand_written_job_agrees_with_lakecore(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.daily", "--rows", "3000", "--repeats", "1",
         "--no-warmup", "--workdir", str(tmp_path / "work"), "--report", str(report)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    text = report.read_text()
    assert "lakecore / hand-written = " in text
    assert "`gold.fact_orders` " in text
