"""``InMemoryGate`` and ``InMemoryReportStore``: the reference executor and a list of reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakecore.ports import KeptReports
from lakecore.quality import Measurements, QualityReport, measure_rows
from lakecore.rules import RuleSuite
from lakecore.schema import TableId

Rows = list[dict[str, Any]]


class InMemoryGate:
    """Measures lists of rows by the core's reference semantics."""

    name = "memory"
    concurrent = True

    def measure(
        self,
        frame: Rows,
        suite: RuleSuite,
        references: Mapping[TableId, Rows],
        sample_size: int,
        *,
        run_id: str | None = None,
    ) -> Measurements:
        return measure_rows(frame, suite, references, sample_size=sample_size)


class InMemoryReportStore:
    def __init__(self) -> None:
        self.reports: list[QualityReport] = []
        self.pages: dict[str, str] = {}

    def save(self, report: QualityReport) -> str:
        self.reports.append(report)
        return f"memory:{report.table}/{len(self.reports)}"

    def kept(self) -> KeptReports:
        return KeptReports(tuple(self.reports))

    def publish(self, name: str, html: str) -> str:
        self.pages[name] = html
        return f"memory:{name}"
