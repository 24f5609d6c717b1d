"""Where landing files are: a local folder (here) or an S3 prefix (``adapters.files.s3``),
listed and peeked at the same way, read by Spark from ``uri``."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from adapters.memory.landing import ERRORS, landing_files
from lakecore.ports import LandingDataset, LandingFile

#: URI schemes that name S3 (``s3a`` is Hadoop's connector; Spark reads both through it).
S3_SCHEMES = ("s3", "s3a")


class LandingFolder(Protocol):
    #: the root as Spark reads it: an absolute local path, or ``s3://bucket/prefix``
    uri: str

    def files(self, dataset: LandingDataset) -> list[LandingFile]: ...

    def first_line(self, relative: str) -> str: ...

    def total_bytes(self) -> int:
        """The size of everything under the root."""
        ...


class LocalFolder:
    """Files under a local folder; a file's checksum is the sha256 of its content."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.uri = root.resolve().as_posix()

    def files(self, dataset: LandingDataset) -> list[LandingFile]:
        return landing_files(self.root, dataset)

    def first_line(self, relative: str) -> str:
        with (self.root / relative).open(encoding="utf-8", errors=ERRORS, newline="") as handle:
            return handle.readline()

    def total_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.root.rglob("*") if f.is_file())
