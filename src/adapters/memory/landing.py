"""Landing sources for in-memory frames: files on local disk, or rows handed over in code."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from adapters.memory.engine import Rows
from lakecore.conform import payload_fields
from lakecore.errors import SchemaMismatch, SourceNotFound
from lakecore.ports import LandingDataset, LandingFile

EXTENSIONS = {"jsonl": (".jsonl", ".json"), "csv": (".csv",)}
#: A CSV field may be any length (Spark's reader has no limit; Python's csv stops at 128 KiB
#: and would make the row a malformed record). The limit is the process's: raised, not set.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))


def landing_files(root: Path, dataset: LandingDataset) -> list[LandingFile]:
    """The dataset's data files under ``root``, sorted; names starting with ``_`` or ``.`` are not data."""
    if not root.is_dir():
        raise SourceNotFound(f"landing folder {root} does not exist")
    folder = root / dataset.folder
    if not folder.is_dir():
        return []
    return [
        LandingFile(path.relative_to(root).as_posix(), path.stat().st_size, file_checksum(path))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.suffix in EXTENSIONS[dataset.format]
        and not path.name.startswith(("_", "."))
    ]


def file_checksum(path: Path) -> str:
    """sha256 of the file's content: what makes a landing file the same file again."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class LocalFileLanding:
    """Reads JSON Lines and CSV landing files the way Spark's readers do (PERMISSIVE mode).

    Every declared field comes back as text; a line that is not a JSON object, or a CSV row
    with the wrong number of fields, keeps its raw text in ``_corrupt_record``. Raises
    ``SourceNotFound`` when the landing root is missing.
    """

    def __init__(self, root: Path) -> None:
        self._root = root

    def list_files(self, dataset: LandingDataset) -> list[LandingFile]:
        return landing_files(self._root, dataset)

    def read(self, dataset: LandingDataset, files: Sequence[LandingFile]) -> Rows:
        reader = _read_jsonl if dataset.format == "jsonl" else _read_csv
        if dataset.format == "csv":
            for file in files:
                csv_header(self._root / file.path, file.path, dataset.fields)
        return [
            {**row, "_source_file": file.path, "_source_checksum": file.checksum}
            for file in files
            for row in reader(self._root / file.path, dataset.fields)
        ]


#: Landing files are UTF-8; bytes that are not decode to U+FFFD (as Spark reads them), so
#: a line of binary is a malformed record, quarantined, not an error that stops the run.
ERRORS = "replace"
BOM = "\ufeff"


#: What a blank line may hold (no record, as Spark reads it): JSON's whitespace in a JSON
#: Lines file (any other character is a malformed record); in a CSV file, any character
#: up to U+0020 (Java's ``trim``).
JSON_BLANK = " \t"
CSV_BLANK = "".join(map(chr, range(0x21)))


def is_blank(line: str, file_format: str) -> bool:
    """Whether a landing file's ``line`` (without its line end) holds no record."""
    return not line.strip(JSON_BLANK if file_format == "jsonl" else CSV_BLANK)


def _read_jsonl(path: Path, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    # As Spark: Hadoop's line reader drops the file's byte-order mark, then lakecore one
    # that starts a line (Spark reads lines, not files: any line's).
    with path.open(encoding="utf-8-sig", errors=ERRORS) as lines:
        for line in lines:
            text = line.rstrip("\r\n").removeprefix(BOM)
            if is_blank(text, "jsonl"):
                continue
            values = payload_fields(text)
            if values is None:
                yield {**dict.fromkeys(fields), "_corrupt_record": text}
            else:
                yield {**{f: values.get(f) for f in fields}, "_corrupt_record": None}


def csv_header(path: Path, relative: str, fields: Sequence[str]) -> list[str]:
    """A CSV file's header; ``SchemaMismatch`` naming the file and the field when a declared
    field is missing from it (raised before anything is read or written)."""
    with path.open(encoding="utf-8", errors=ERRORS, newline="") as handle:
        return header_of(handle.readline(), relative, fields)


def header_of(line: str, relative: str, fields: Sequence[str]) -> list[str]:
    """The header a CSV file's first ``line`` holds (``csv_header``'s check), without the
    byte-order mark some tools write first."""
    if not line.strip():
        raise SchemaMismatch(f"landing file {relative} has no header line (it is empty)")
    header = next(csv.reader([line.removeprefix(BOM).rstrip("\r\n")]), [])
    missing = [f for f in fields if f not in header]
    if missing:
        raise SchemaMismatch(
            f"landing file {relative}: field {missing[0]} is missing from its header"
        )
    return header


def _read_csv(path: Path, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors=ERRORS, newline="") as handle:
        header = next(csv.reader([handle.readline().removeprefix(BOM)]), [])
        # Columns the file brings beyond the declared fields reach bronze as new columns.
        columns = [*fields, *(h for h in header if h not in fields)]
        for line in handle:
            text = line.rstrip("\r\n")
            if is_blank(text, "csv"):
                continue
            yield _csv_row(text, header, columns)


def _csv_row(text: str, header: Sequence[str], fields: Sequence[str]) -> dict[str, Any]:
    try:
        values = next(csv.reader([text], strict=True))
    except csv.Error:
        values = None
    if values is None or len(values) != len(header):
        return {**dict.fromkeys(fields), "_corrupt_record": text}
    named = dict(zip(header, values, strict=True))
    return {**{f: named.get(f) or None for f in fields}, "_corrupt_record": None}


class InMemoryLandingSource:
    """Landing 'files' handed over as rows: ``{dataset folder: {file path: rows}}``."""

    def __init__(self, files: Mapping[str, Mapping[str, Rows]]) -> None:
        self._files = files

    def list_files(self, dataset: LandingDataset) -> list[LandingFile]:
        named = self._files.get(dataset.folder, {})
        listed = []
        for path, rows in sorted(named.items()):
            content = json.dumps(rows, default=str, sort_keys=True).encode()
            listed.append(LandingFile(path, len(content), hashlib.sha256(content).hexdigest()))
        return listed

    def read(self, dataset: LandingDataset, files: Sequence[LandingFile]) -> Rows:
        named = self._files.get(dataset.folder, {})
        return [
            {**{f: row.get(f) for f in dataset.fields}, "_corrupt_record": row.get("_corrupt_record"),
             "_source_file": file.path, "_source_checksum": file.checksum}
            for file in files
            for row in named[file.path]
        ]  # fmt: skip
