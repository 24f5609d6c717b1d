"""The quality page as a person sees it: Debian's Chromium (installed by ``make setup``),
headless, opens the page of a clean run and of a failed one. The failed table is marked
failed where the eye lands first, every chart is drawn, and no request leaves the page's own
file. A screenshot of each is kept in the test's folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from adapters.memory import InMemoryEngine
from lakecore.quality_page import quarantine_counts, render
from pipelines import orders as lh
from tests.pages import quality_days

pytestmark = [pytest.mark.slow]

RED = "rgb(198, 40, 40)"  # quality_page.FAILED_COLOUR
GREEN = "rgb(46, 125, 50)"  # quality_page.PASSED_COLOUR


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make setup` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


def _opened(browser: Browser, folder: Path, *, failed: bool) -> tuple[Page, list[str]]:
    store, reports = quality_days(folder, failed=failed)
    html = render(
        reports,
        quarantine_counts(store, InMemoryEngine(), lh.QUARANTINE),
        lake="demo/lake",
        generated_at=datetime(2026, 11, 29, 8, 0),
    )
    page_file = folder / "index.html"
    page_file.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_file.as_uri())
    page.screenshot(path=str(folder / ("failed.png" if failed else "clean.png")), full_page=True)
    return page, [url for url in requests if url != page_file.as_uri()]


def _drawn(page: Page) -> None:
    charts = page.locator("svg.chart")
    assert charts.count() >= 9  # 8 tables and the quarantine
    for n in range(charts.count()):
        box = charts.nth(n).bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 100
        assert charts.nth(n).locator("polyline, rect").count() > 0


def test_a_failed_run_is_marked_failed_at_a_glance(browser: Browser, tmp_path: Path) -> None:
    page, elsewhere = _opened(browser, tmp_path, failed=True)
    assert elsewhere == []

    verdict = page.locator("header .verdict")
    assert "1 of 8 tables FAILED" in verdict.inner_text()
    assert verdict.evaluate("e => getComputedStyle(e).color") == RED
    first = page.locator("section.table").first
    assert first.get_attribute("id") == "t-silver-quarantine"
    assert first.evaluate("e => getComputedStyle(e).borderTopColor") == RED
    assert first.locator("h2 .badge").inner_text() == "FAILED"
    # It is on the first screen, not somewhere below.
    box = first.bounding_box()
    assert box is not None
    assert box["y"] < 900
    assert page.locator("section.table.failed").count() == 1
    assert page.locator("tr.failed").count() >= 1  # the summary row, in red
    _drawn(page)
    # The failed evaluation has its red band on the chart.
    assert first.locator("rect.failed-band").count() == 1


def test_a_clean_run_reads_as_passed(browser: Browser, tmp_path: Path) -> None:
    page, elsewhere = _opened(browser, tmp_path, failed=False)
    assert elsewhere == []

    verdict = page.locator("header .verdict")
    assert verdict.inner_text() == "All 8 tables passed their latest evaluation."
    assert verdict.evaluate("e => getComputedStyle(e).color") == GREEN
    assert page.locator("section.table.failed").count() == 0
    assert page.locator(".badge", has_text="FAILED").count() == 0
    _drawn(page)
