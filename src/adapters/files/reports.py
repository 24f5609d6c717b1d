"""Quality reports as JSON under ``<lake>/gold/quality/<table>/``: ``LocalReportStore`` in a
local folder (here), ``S3ReportStore`` in a bucket (``adapters.files.s3``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lakecore.quality import QualityReport


class LocalReportStore:
    """Writes ``<lake_root>/gold/quality/<table>/<timestamp>-<run_id>.json``.

    The timestamp (UTC, to the microsecond) sorts the files of a table in evaluation order;
    the run id tells two evaluations of the same instant apart. ``mask`` rewrites the JSON
    text before it is written (the entrypoints mask every secret value the process holds).
    """

    def __init__(self, lake_root: Path, mask: Callable[[str], str] | None = None) -> None:
        self._root = Path(lake_root).resolve() / "gold" / "quality"
        self._mask = mask or (lambda text: text)

    def folder(self, table: str) -> Path:
        return self._root / table

    def save(self, report: QualityReport) -> str:
        folder = self.folder(str(report.table))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / report_name(report)
        partial = path.with_suffix(".json.partial")
        partial.write_text(self._mask(report.to_json()))
        partial.replace(path)  # readers never see half a report
        return str(path)


def report_name(report: QualityReport) -> str:
    """``<timestamp>-<executor>-<run id>.json``: sorts a table's reports in evaluation order."""
    stamp = report.evaluated_at.strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{report.executor}-{report.run_id}.json"
