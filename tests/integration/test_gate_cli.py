"""The hard gate through the command line, on local Spark + Delta: a dirty day stops with
exit 1, prints what failed and leaves silver and gold as they were; the same day run again
with a raised threshold is let through and rebuilds gold; ``lakecore dq`` judges one table."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from tests.integration.runs import in_process

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _env(lake: Path, threshold: str | None) -> dict[str, str]:
    env = {**os.environ, "LAKECORE_LAKE_ROOT": str(lake), "LAKECORE_LOG_FORMAT": "json"}
    if threshold is not None:
        env["LAKECORE_QUARANTINE_THRESHOLD"] = threshold
    return env


def _lakecore(
    spark: SparkSession, lake: Path, *args: str, threshold: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The command in this process, on the test session's Spark (``runs.in_process``)."""
    return in_process(spark, list(args), _env(lake, threshold))


def _lakecore_process(lake: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, started in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        cwd=cwd, env=_env(lake, None), capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _lineage(lake: Path) -> list[dict[str, Any]]:
    """The OpenLineage events the runs wrote (the default file of a local lake)."""
    return [json.loads(line) for line in (lake / "_ops" / "lineage.jsonl").read_text().splitlines()]


def _table(dataset: str) -> str:
    """``<layer>/<name>`` of a dataset's name (a local table's is its path)."""
    return "/".join(Path(dataset).parts[-2:])


def _versions(lake: Path, layer: str) -> dict[str, list[str]]:
    """Every table's commits: a table no run wrote to has the same list."""
    return {
        table.name: sorted(p.name for p in (table / "_delta_log").glob("*.json"))
        for table in sorted((lake / layer).glob("*"))
        if (table / "_delta_log").exists()
    }


@pytest.fixture(scope="module")
def lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake after one clean day."""
    root = tmp_path_factory.mktemp("gate-cli")
    lake = root / "lake"
    clean = root / "clean"
    assert _lakecore(spark, lake, "generate", "--out", str(clean), "--rows", "2000", "--dirty", "0",
                     "--date", "2026-11-26").returncode == 0  # fmt: skip
    done = _lakecore(spark, lake, "run", "daily", "--landing", str(clean), "--date", "2026-11-26")
    assert done.returncode == 0, done.stderr[-3000:]
    started = [json.loads(line) for line in done.stderr.splitlines() if "spark.local" in line]
    assert [e["profile"] for e in started] == ["small"]  # auto, for a landing this small
    assert "Quality gate" in done.stdout
    assert "FAILED" not in done.stdout
    return lake


def test_a_dirty_day_stops_with_exit_1_then_passes_with_a_raised_threshold(
    spark: SparkSession, lake: Path, tmp_path: Path
) -> None:
    dirty = tmp_path / "dirty"
    lake = Path(shutil.copytree(lake, tmp_path / "lake"))  # the other tests keep the clean lake
    _lakecore(spark, lake, "generate", "--out", str(dirty), "--rows", "2000", "--dirty", "0.05",
              "--date", "2026-11-27", "--seed", "11")  # fmt: skip
    silver, gold = _versions(lake, "silver"), _versions(lake, "gold")
    done = _lakecore(spark, lake, "run", "daily", "--landing", str(dirty), "--date", "2026-11-27",
                     "--report")  # fmt: skip
    assert done.returncode == 1, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("lakecore: error:")]
    assert len(errors) == 1
    assert done.stderr.rstrip().splitlines()[-1] == errors[0]
    page = lake.resolve() / "gold" / "quality" / "index.html"
    assert f"quality page: {page}" in done.stdout.splitlines()
    assert "1 of 8 tables FAILED their latest evaluation" in page.read_text()
    assert '<section class="table failed" id="t-silver-quarantine">' in page.read_text()
    assert "quality gate failed: silver.quarantine quarantine_share" in errors[0]
    assert "FAILED  silver.quarantine" in done.stdout
    assert _versions(lake, "silver") == silver  # quarantine included: nothing was published
    assert _versions(lake, "gold") == gold
    good, bad = _lineage(lake)[-4:-2], _lineage(lake)[-2:]
    assert [e["eventType"] for e in good + bad] == ["START", "COMPLETE", "START", "FAIL"]
    written = {
        _table(o["name"]): o["outputFacets"]["outputStatistics"]["rowCount"]
        for o in good[1]["outputs"]
    }
    assert {"silver/orders", "gold/fact_orders", "gold/dim_fx"} <= set(written)
    assert all(rows > 0 for name, rows in written.items() if name.startswith("gold/"))
    assert good[1]["run"]["facets"]["lakecore_quality_gate"]["verdict"] == "passed"
    assert bad[1]["run"]["facets"]["errorMessage"]["message"] == errors[0].removeprefix(
        "lakecore: error: "
    )
    gate = bad[1]["run"]["facets"]["lakecore_quality_gate"]
    assert (gate["verdict"], "silver.quarantine" in gate["failed"]) == ("failed", True)
    reached = [_table(o["name"]) for o in bad[1]["outputs"]]
    assert reached  # the day reached bronze, and nothing above it
    assert all(name.startswith("bronze/") for name in reached), reached
    share = json.loads(
        sorted((lake / "gold/quality/silver.quarantine").glob("*.json"))[-1].read_text()
    )
    assert share["result"] == "failed"
    (rule,) = share["rules"]
    assert rule["passed"] is False
    assert rule["unexpected"] > 0.01 * share["rows"]

    # The same day again, told to let up to 10% through: no file is new, the held-back
    # batch is published and gold is rebuilt.
    again = _lakecore(spark, lake, "run", "daily", "--landing", str(dirty), "--date", "2026-11-27",
                      threshold="0.10")  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 new, 0 delivered again with other content, 1 skipped" in again.stdout
    for layer, before in (("silver", silver), ("gold", gold)):
        after = _versions(lake, layer)
        assert all(len(after[t]) > len(before[t]) for t in before), layer
    share = json.loads(
        sorted((lake / "gold/quality/silver.quarantine").glob("*.json"))[-1].read_text()
    )
    assert share["result"] == "passed"
    assert share["rules"][0]["rule"] == "quarantine_share(<=10.0%)"

    # The page again, elsewhere: the day let through, every table's latest evaluation passed;
    # the quarantine chart has the dirty day's rows.
    out = tmp_path / "pages" / "quality.html"
    made = _lakecore(spark, lake, "report", "--out", str(out))
    assert made.returncode == 0, made.stderr[-3000:]
    assert f"quality page: {out}" in made.stdout.splitlines()
    text = out.read_text()
    assert "All 8 tables passed their latest evaluation." in text
    assert text.count('class="chart"') == 9  # a chart per table, and the quarantine's
    assert "Quarantine by reason" in text
    assert ">2026-11-27</text>" in text  # the bar's label


def test_dq_judges_one_table_and_writes_its_report(spark: SparkSession, lake: Path) -> None:
    done = _lakecore(spark, lake, "dq", "--table", "gold.fact_orders")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "passed  gold.fact_orders" in done.stdout
    reports = sorted((lake / "gold/quality/gold.fact_orders").glob("*.json"))
    latest = json.loads(reports[-1].read_text())
    assert latest["executor"] == "native"
    assert latest["table_version"] is not None
    assert latest["result"] == "passed"


def test_dq_with_great_expectations_builds_data_docs(lake: Path) -> None:
    # A relative lake root, as `make demo` has it (GX wants absolute folders).
    done = _lakecore_process(Path(lake.name), "dq", "--table", "gold.dim_fx", "--executor", "gx",
                             "--docs", cwd=lake.parent)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "passed  gold.dim_fx" in done.stdout
    assert "[gx]" in done.stdout
    assert list((lake / "gold/quality/_data_docs").rglob("index.html"))
    assert "Data Docs: " in done.stdout
    # The validation's page names lakecore's run and the table, not "__none__" and "None".
    report = json.loads(sorted((lake / "gold/quality/gold.dim_fx").glob("*-gx-*.json"))[-1]
                        .read_text())  # fmt: skip
    (page,) = (lake / "gold/quality/_data_docs/validations").rglob("*.html")
    text = page.read_text()
    assert report["run_id"] in text
    assert "__none__" not in text
    assert re.search(r"Data asset:.{0,200}gold\.dim_fx", text, re.DOTALL)
