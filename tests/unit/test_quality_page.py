"""The quality page from real gate reports (the daily pipeline on the memory adapters, a
clean day then one the gate stops): the failed table first and marked, a chart per table,
the failing rules' samples, the quarantine by reason, everything escaped, nothing fetched
from elsewhere; and reports read back from files as they were written."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from adapters.files.reports import LocalReportStore
from adapters.memory import InMemoryEngine, InMemoryTableStore
from lakecore.quality import QualityReport
from lakecore.quality_page import QuarantineCount, quarantine_counts, render
from pipelines import orders as lh
from tests.pages import DAY, quality_days

NOW = datetime(2026, 11, 29, 8, 0)


class _Page(HTMLParser):
    """What a reader of the page meets: elements by class, texts, every URL it names."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.classes: list[tuple[str, set[str], dict[str, str]]] = []
        self.urls: list[str] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.classes.append((tag, set(found.get("class", "").split()), found))
        self.urls += [v for k, v in found.items() if k in ("href", "src", "xlink:href")]
        self.urls += re.findall(r"url\(([^)]*)\)", found.get("style", ""))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [attrs for t, classes, attrs in self.classes if t == tag and cls in classes]


@pytest.fixture(scope="module")
def lake(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[InMemoryTableStore, tuple[QualityReport, ...]]:
    return quality_days(tmp_path_factory.mktemp("page"), failed=True)


def test_the_failed_table_comes_first_and_is_marked(
    lake: tuple[InMemoryTableStore, tuple[QualityReport, ...]],
) -> None:
    store, reports = lake
    quarantine = quarantine_counts(store, InMemoryEngine(), lh.QUARANTINE)
    page = _Page(render(reports, quarantine, lake="demo/lake", generated_at=NOW))

    failed = {r.table for r in reports if r.run_id == "run-1" and not r.passed}
    assert {str(t) for t in failed} == {"silver.quarantine"}
    (header,) = page.having("p", "verdict")
    assert "failed" in next(c for t, c, a in page.classes if a is header)
    sections = page.having("section", "table")
    assert sections[0]["id"] == "t-silver-quarantine"
    assert [s["id"] for s in page.having("section", "failed")] == ["t-silver-quarantine"]
    text = " ".join(page.text)
    assert "1 of 8 tables FAILED their latest evaluation" in text
    assert "quarantine_share(<=1.0%)" in text
    # One chart per table with an evaluation, and the quarantine's bars.
    assert len(page.having("svg", "chart")) == len({r.table for r in reports}) + 1


def test_the_quarantine_counts_add_up_to_the_table(
    lake: tuple[InMemoryTableStore, tuple[QualityReport, ...]],
) -> None:
    store, _ = lake
    counts = quarantine_counts(store, InMemoryEngine(), lh.QUARANTINE)
    assert sum(c.rows for c in counts) == len(store.read(lh.QUARANTINE)) > 0
    assert {c.day for c in counts} == {DAY}  # the stopped day published nothing


def test_nothing_is_fetched_from_elsewhere(
    lake: tuple[InMemoryTableStore, tuple[QualityReport, ...]],
) -> None:
    _, reports = lake
    html = render(reports, lake="demo/lake", generated_at=NOW, data_docs="_data_docs/index.html")
    page = _Page(html)
    assert page.urls, "the page links its own sections"
    assert all(u.startswith("#") or u == "_data_docs/index.html" for u in page.urls), page.urls
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert "@import" not in html


def test_text_from_the_data_is_escaped() -> None:
    hostile = '<script>alert("x")</script>'
    counts = [QuarantineCount(DAY, "silver.orders", hostile, 3)]
    html = render([], counts, lake=hostile, generated_at=NOW)
    assert hostile not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "No quality report in this lake yet." in html


def test_reports_read_back_from_files_are_the_reports_written(
    lake: tuple[InMemoryTableStore, tuple[QualityReport, ...]], tmp_path: Path
) -> None:
    _, reports = lake
    files = LocalReportStore(tmp_path)
    for report in reports:
        files.save(report)
    (tmp_path / "gold/quality/silver.orders/broken.json").write_text("{not json")
    (tmp_path / "gold/quality/silver.orders/other.json").write_text(json.dumps({"a": 1}))

    kept = files.kept()
    assert sorted(r.to_json() for r in kept.reports) == sorted(r.to_json() for r in reports)
    assert kept.unreadable == (
        "silver.orders/broken.json: not JSON",
        "silver.orders/other.json: not a report (no 'table')",
    )
    page = render(kept.reports, lake="x", generated_at=NOW, unreadable=kept.unreadable)
    assert "2 report file(s) could not be read" in page
    where = files.publish("index.html", page)
    assert Path(where) == tmp_path / "gold/quality/index.html"
    assert Path(where).read_text() == page
