"""``SparkFileLanding``: landing files read by Spark's own readers, every field as text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from adapters.memory.landing import landing_files
from lakecore.ports import LandingDataset, LandingFile

_CORRUPT = "_corrupt_record"


class SparkFileLanding:
    """JSON Lines and CSV landing files on a local path, read in PERMISSIVE mode.

    A record that does not parse keeps its raw text in ``_corrupt_record`` (it is
    quarantined in silver, never dropped). Raises ``SourceNotFound`` for a missing root.
    """

    def __init__(self, spark: SparkSession, root: Path) -> None:
        self._spark = spark
        self._root = root

    def list_files(self, dataset: LandingDataset) -> list[LandingFile]:
        return landing_files(self._root, dataset)

    def read(self, dataset: LandingDataset, files: Sequence[LandingFile]) -> DataFrame:
        schema = T.StructType(
            [T.StructField(f, T.StringType()) for f in dataset.fields]
            + [T.StructField(_CORRUPT, T.StringType())]
        )
        reader = (
            self._spark.read.schema(schema)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", _CORRUPT)
        )
        paths = [str((self._root / f.path).resolve()) for f in files]
        if dataset.format == "csv":
            frame = reader.option("header", "true").option("enforceSchema", "false").csv(paths)
        else:
            frame = reader.json(paths)
        source = _relative_to(self._root.resolve())
        checksums = F.create_map(*(F.lit(v) for f in files for v in (f.path, f.checksum)))
        return frame.withColumn("_source_file", source).withColumn(
            "_source_checksum", checksums[F.col("_source_file")]
        )


def _relative_to(root: Path) -> Column:
    """The path of the file a row came from, relative to ``root`` (as ``landing_files`` gives)."""
    name = F.url_decode(F.input_file_name())
    prefix = root.as_posix().rstrip("/") + "/"
    return name.substr(F.locate(prefix, name) + F.lit(len(prefix)), F.lit(1 << 20))
