"""``SparkFileLanding``: landing files read by Spark's own readers, every field as text."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from pathlib import Path

from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from adapters.files.landing import LandingFolder, LocalFolder
from adapters.memory.landing import BOM, JSON_BLANK, header_of
from lakecore.ports import LandingDataset, LandingFile

_CORRUPT = "_corrupt_record"


class SparkFileLanding:
    """JSON Lines and CSV landing files in a local folder or under an S3 prefix
    (``LandingFolder``), read in PERMISSIVE mode.

    A record that does not parse keeps its raw text in ``_corrupt_record`` (it is
    quarantined in silver, never dropped). Raises ``SourceNotFound`` for a missing root.
    """

    def __init__(self, spark: SparkSession, root: Path | LandingFolder) -> None:
        self._spark = spark
        self._folder = LocalFolder(root) if isinstance(root, Path) else root

    def list_files(self, dataset: LandingDataset) -> list[LandingFile]:
        return self._folder.files(dataset)

    def read(self, dataset: LandingDataset, files: Sequence[LandingFile]) -> DataFrame:
        if dataset.format == "csv":
            frame = self._csv(dataset, files)
        else:
            frame = self._jsonl(dataset, files)
        return self._lineage(frame, files)

    def _reader(self, fields: Sequence[str]) -> DataFrameReader:
        return (
            self._spark.read.schema(_text_schema(fields))
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", _CORRUPT)
        )

    def _jsonl(self, dataset: LandingDataset, files: Sequence[LandingFile]) -> DataFrame:
        """One row per line that is not blank: Spark's JSON reader would make a row of each
        element of a line holding an array (none of ``[]``), so lines are read as text and
        parsed one by one (an array, like any value but an object, is a malformed record)."""
        lines = self._spark.read.text([self._uri(f.path) for f in files])
        value = F.col("value")
        # a byte-order mark (any line's); startswith + substring: half the reading time of a
        # regexp_replace on every line
        text = F.when(value.startswith(BOM), F.expr("substring(value, 2)")).otherwise(value)
        parsed = F.from_json(
            text, _text_schema(dataset.fields), {"columnNameOfCorruptRecord": _CORRUPT}
        )
        blank = text.rlike(f"^[{JSON_BLANK}]*\\z")  # \z: Java's $ also matches before \x85
        return lines.where(~blank).select(parsed.alias("record")).select("record.*")

    def _csv(self, dataset: LandingDataset, files: Sequence[LandingFile]) -> DataFrame:
        """Files grouped by header, each group read by its own columns, then united by name:
        a file missing a declared field is a ``SchemaMismatch`` before anything is read; one
        with more columns brings them along (bronze gains them)."""
        groups: dict[tuple[str, ...], list[str]] = {}
        for file in files:
            header = header_of(self._folder.first_line(file.path), file.path, dataset.fields)
            groups.setdefault(tuple(header), []).append(self._uri(file.path))
        frames = [
            self._reader(header)
            .option("header", "true")
            .option("enforceSchema", "false")
            .option("escape", '"')  # "" in a quoted field is one " (RFC 4180), as Python's csv
            .csv(paths)
            for header, paths in groups.items()
        ]
        return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)

    def _uri(self, relative: str) -> str:
        return f"{self._folder.uri}/{relative}"

    def _lineage(self, frame: DataFrame, files: Sequence[LandingFile]) -> DataFrame:
        source = _relative_to(self._folder.uri)
        checksums = F.create_map(*(F.lit(v) for f in files for v in (f.path, f.checksum)))
        return frame.withColumn("_source_file", source).withColumn(
            "_source_checksum", checksums[F.col("_source_file")]
        )


def _text_schema(fields: Sequence[str]) -> T.StructType:
    return T.StructType(
        [T.StructField(f, T.StringType()) for f in fields]
        + [T.StructField(_CORRUPT, T.StringType())]
    )


def _relative_to(root: str) -> Column:
    """The path of the file a row came from, relative to ``root`` (as the folder lists it)."""
    name = F.url_decode(F.input_file_name())
    prefix = root.rstrip("/") + "/"
    return name.substr(F.locate(prefix, name) + F.lit(len(prefix)), F.lit(1 << 20))
