"""``LocalReportStore``: quality reports as JSON files under the lake root."""

from __future__ import annotations

from pathlib import Path

from lakecore.quality import QualityReport


class LocalReportStore:
    """Writes ``<lake_root>/gold/quality/<table>/<timestamp>-<run_id>.json``.

    The timestamp (UTC, to the microsecond) sorts the files of a table in evaluation order;
    the run id tells two evaluations of the same instant apart.
    """

    def __init__(self, lake_root: Path) -> None:
        self._root = Path(lake_root).resolve() / "gold" / "quality"

    def folder(self, table: str) -> Path:
        return self._root / table

    def save(self, report: QualityReport) -> str:
        folder = self.folder(str(report.table))
        folder.mkdir(parents=True, exist_ok=True)
        stamp = report.evaluated_at.strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"{stamp}-{report.executor}-{report.run_id}.json"
        partial = path.with_suffix(".json.partial")
        partial.write_text(report.to_json())
        partial.replace(path)  # readers never see half a report
        return str(path)
