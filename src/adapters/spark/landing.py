"""``SparkFileLanding``: landing files read by Spark's own readers, every field as text."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from pathlib import Path

from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from adapters.files.landing import LandingFolder, LocalFolder
from adapters.memory.landing import header_of
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
            frame = self._reader(dataset.fields).json([self._uri(f.path) for f in files])
        return self._lineage(frame, files)

    def _reader(self, fields: Sequence[str]) -> DataFrameReader:
        return (
            self._spark.read.schema(_text_schema(fields))
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", _CORRUPT)
        )

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
