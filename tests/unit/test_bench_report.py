"""The benchmark report: each benchmark replaces its own section and keeps the others."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from bench.gate import RLIKE, render
from bench.report import HEADER, replace_section


def test_a_new_report_gets_the_header_and_the_section(tmp_path: Path) -> None:
    report = tmp_path / "docs" / "BENCHMARKS.md"
    replace_section(report, "daily", "## Daily\n1.05x")
    text = report.read_text()
    assert text.startswith(HEADER)
    assert "<!-- bench:daily -->\n## Daily\n1.05x\n<!-- /bench:daily -->" in text


def test_a_section_is_replaced_in_place_and_others_are_kept(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    replace_section(report, "daily", "old daily")
    replace_section(report, "gate", "gate figures")
    replace_section(report, "daily", "new daily")
    text = report.read_text()
    assert "old daily" not in text
    assert text.count("<!-- bench:daily -->") == 1
    assert text.index("new daily") < text.index("gate figures")


def _gate_results(scan: float, no_patterns: float) -> dict[str, tuple[list[float], int]]:
    seconds = {
        "count() (floor)": 0.2,
        "scan of the rule columns (floor)": scan,
        "native gate": 8.0,
        "native gate on a silver candidate (merge key known unique)": 3.0,
        "native, row rules only (the one scan)": 2.9,
        "native, row rules without the patterns": no_patterns,
        RLIKE: 7.0,
        "one scan per rule": 20.0,
    }
    return {name: ([s, s, s], 3) for name, s in seconds.items()}


def test_the_gate_report_says_when_its_floor_ran_slower_than_more_work() -> None:
    args = Namespace(rows=10_000_000)
    steady = render(args, _gate_results(scan=1.6, no_patterns=1.9), (0.45, 0.47))
    assert "**1.88x** on a silver candidate" in steady
    assert "not a result" not in steady
    assert "0.45 s before the runs, 0.47 s after" in steady
    slow_floor = render(args, _gate_results(scan=3.8, no_patterns=2.6), (0.45, 0.47))
    assert "**This run's floor is not one**" in slow_floor
    assert "(3.8 s against 2.6 s)" in slow_floor
