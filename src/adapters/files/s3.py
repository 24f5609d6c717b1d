"""Landing files and quality reports in S3, through boto3 (the ``aws`` extra): imported only
where a lake or a landing is on S3, so a local install needs no AWS library."""

from __future__ import annotations

import io
import posixpath
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from adapters.boto import aws_errors
from adapters.files.landing import S3_SCHEMES
from adapters.files.reports import read_report, report_name
from adapters.memory.landing import EXTENSIONS
from lakecore.errors import SourceNotFound
from lakecore.ports import KeptReports, LandingDataset, LandingFile
from lakecore.quality import QualityReport


class S3Folder:
    """Objects under ``s3://bucket/prefix/``; a file's checksum is its ETag (the same upload
    keeps it, new content changes it). ``client`` is a boto3 ``s3`` client."""

    def __init__(self, client: Any, uri: str) -> None:
        parts = urlsplit(uri)
        if parts.scheme not in S3_SCHEMES or not parts.netloc:
            raise SourceNotFound(f"landing {uri} is not an s3://<bucket>/<prefix> URI")
        self._client = client
        self._bucket = parts.netloc
        self._prefix = parts.path.strip("/")
        self.uri = uri.rstrip("/")
        self._base = f"{self._prefix}/" if self._prefix else ""
        self._checked = False

    def check(self) -> None:
        """``SourceNotFound`` when no object is under the prefix (a wrong or empty landing)."""
        with aws_errors(f"cannot list landing {self.uri}"):
            if not self._listed(self._base, limit=1):
                raise SourceNotFound(f"landing {self.uri} does not exist (no objects)")
        self._checked = True

    def files(self, dataset: LandingDataset) -> list[LandingFile]:
        if not self._checked:
            self.check()
        base = self._base
        found = []
        with aws_errors(f"cannot list landing {self.uri}"):
            for item in self._listed(f"{base}{dataset.folder}/"):
                relative = item["Key"][len(base) :]
                name = posixpath.basename(relative)
                if name.startswith(("_", ".")) or not name.endswith(EXTENSIONS[dataset.format]):
                    continue
                found.append(
                    LandingFile(relative, int(item["Size"]), "etag:" + item["ETag"].strip('"'))
                )
        return sorted(found, key=lambda f: f.path)

    def first_line(self, relative: str) -> str:
        key = self._base + relative
        with aws_errors(f"cannot read landing file {self.uri}/{relative}"):
            head = self._client.get_object(Bucket=self._bucket, Key=key, Range="bytes=0-65535")
            text: str = head["Body"].read().decode("utf-8", errors="replace")
        # only \n, \r and \r\n end a line (str.splitlines would end one at \x0c, \x85, ...)
        return io.StringIO(text, newline="").readline()

    def total_bytes(self) -> int:
        with aws_errors(f"cannot list landing {self.uri}"):
            return sum(int(item["Size"]) for item in self._listed(self._base))

    def _listed(self, prefix: str, limit: int | None = None) -> list[dict[str, Any]]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket,
            Prefix=prefix,
            PaginationConfig={"MaxItems": limit} if limit else {},
        )
        return [item for page in pages for item in page.get("Contents", [])]


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

    def kept(self) -> KeptReports:
        reports, unreadable = [], []
        with aws_errors(
            f"cannot read the quality reports under s3://{self._bucket}/{self._prefix}"
        ):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=f"{self._prefix}/"
            )
            keys = sorted(
                item["Key"]
                for page in pages
                for item in page.get("Contents", [])
                if item["Key"].count("/") == self._prefix.count("/") + 2
                and item["Key"].endswith(".json")
            )
            for key in keys:
                body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
                try:
                    reports.append(read_report(body))
                except ValueError as exc:
                    unreadable.append(f"{key[len(self._prefix) + 1 :]}: {exc}")
        return KeptReports(tuple(reports), tuple(unreadable))

    def publish(self, name: str, html: str) -> str:
        key = f"{self._prefix}/{name}"
        with aws_errors(f"cannot write s3://{self._bucket}/{key}"):
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=html.encode("utf-8"),
                ContentType="text/html; charset=utf-8",
            )
        return f"s3://{self._bucket}/{key}"
