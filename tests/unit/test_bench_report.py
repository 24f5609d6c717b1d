"""The benchmark report: each benchmark replaces its own section and keeps the others."""

from __future__ import annotations

from pathlib import Path

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
