"""Where landing files are: a local folder or an S3 prefix, listed and peeked at the same
way, read by Spark from ``uri``."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from adapters.boto import aws_errors
from adapters.memory.landing import EXTENSIONS, landing_files
from lakecore.errors import SourceNotFound
from lakecore.ports import LandingDataset, LandingFile

S3_SCHEMES = ("s3", "s3a")


class LandingFolder(Protocol):
    #: the root as Spark reads it: an absolute local path, or ``s3://bucket/prefix``
    uri: str

    def files(self, dataset: LandingDataset) -> list[LandingFile]: ...

    def first_line(self, relative: str) -> str: ...


class LocalFolder:
    """Files under a local folder; a file's checksum is the sha256 of its content."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = root.resolve().as_posix()

    def files(self, dataset: LandingDataset) -> list[LandingFile]:
        return landing_files(self.root, dataset)

    def first_line(self, relative: str) -> str:
        with (self.root / relative).open(encoding="utf-8", newline="") as handle:
            return handle.readline()


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
                    LandingFile(relative, int(item["Size"]), f"etag:{item['ETag'].strip(chr(34))}")
                )
        return sorted(found, key=lambda f: f.path)

    def first_line(self, relative: str) -> str:
        key = self._base + relative
        with aws_errors(f"cannot read landing file {self.uri}/{relative}"):
            head = self._client.get_object(Bucket=self._bucket, Key=key, Range="bytes=0-65535")
            text: str = head["Body"].read().decode("utf-8", errors="replace")
        return text.splitlines(keepends=True)[0] if text else ""

    def _listed(self, prefix: str, limit: int | None = None) -> list[dict[str, Any]]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket,
            Prefix=prefix,
            PaginationConfig={"MaxItems": limit} if limit else {},
        )
        return [item for page in pages for item in page.get("Contents", [])]
