"""Quality reports as JSON under ``<lake>/gold/quality/<table>/``: ``LocalReportStore`` in a
local folder (here), ``S3ReportStore`` in a bucket (``adapters.files.s3``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from lakecore.ports import KeptReports
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

    def kept(self) -> KeptReports:
        reports, unreadable = [], []
        for path in sorted(self._root.glob("*/*.json")):
            try:
                reports.append(read_report(path.read_bytes()))
            except OSError as exc:
                unreadable.append(f"{path.relative_to(self._root)}: {exc.strerror or exc}")
            except ValueError as exc:
                unreadable.append(f"{path.relative_to(self._root)}: {exc}")
        return KeptReports(tuple(reports), tuple(unreadable))

    def publish(self, name: str, html: str) -> str:
        """``<lake>/gold/quality/<name>``, replaced whole (never half a page)."""
        path = self._root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(html, encoding="utf-8")
        partial.replace(path)
        return str(path)


def read_report(content: str | bytes) -> QualityReport:
    """A report file's content as a report; ``ValueError`` saying in a few words why not."""
    try:
        data = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError("not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("not a report (not a JSON object)")
    try:
        return QualityReport.from_dict(data)
    except KeyError as exc:
        raise ValueError(f"not a report (no {exc.args[0]!r})") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a report ({str(exc)[:80]})") from None


def report_name(report: QualityReport) -> str:
    """``<timestamp>-<executor>-<run id>.json``: sorts a table's reports in evaluation order."""
    stamp = report.evaluated_at.strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{report.executor}-{report.run_id}.json"
