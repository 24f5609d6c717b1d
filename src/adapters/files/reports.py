"""Quality reports as JSON under ``<lake>/gold/quality/<table>/``: ``LocalReportStore`` in a
local folder, ``S3ReportStore`` in a bucket (a lake on S3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.boto import aws_errors
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


class S3ReportStore:
    """Writes ``s3://<bucket>/<prefix>/gold/quality/<table>/<name>`` (``report_name``), one
    ``PutObject`` each (a reader never sees half an object). ``client`` is a boto3 ``s3``
    client; ``mask`` as for ``LocalReportStore``."""

    def __init__(
        self, client: Any, bucket: str, prefix: str, mask: Callable[[str], str] | None = None
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = "/".join(p for p in (prefix.strip("/"), "gold/quality") if p)
        self._mask = mask or (lambda text: text)

    def save(self, report: QualityReport) -> str:
        key = f"{self._prefix}/{report.table}/{report_name(report)}"
        body = self._mask(report.to_json()).encode("utf-8")
        with aws_errors(f"cannot write the quality report s3://{self._bucket}/{key}"):
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=body, ContentType="application/json"
            )
        return f"s3://{self._bucket}/{key}"
