"""lakecore: run an AWS lakehouse properly.

The pure core: tables, rules and merges as data, the ports adapters implement, and the use
cases of the daily batch. Nothing here imports Spark, AWS, Great Expectations or a DI
framework; adapters live in the ``adapters`` package, wiring in ``entrypoints``.
"""

from lakecore.errors import (
    CommitConflict,
    ConfigurationError,
    LakecoreError,
    LakeNotWritable,
    QualityGateFailed,
    SchemaMismatch,
    SourceNotFound,
    TableNotFound,
    TerminalError,
    TransientError,
)
from lakecore.merge import MergeSpec
from lakecore.rules import (
    InSet,
    NotNull,
    Pattern,
    Range,
    ReferenceExists,
    RuleSuite,
    Severity,
    Unique,
)
from lakecore.schema import Column, DataType, Layer, TableId, TableSpec
from lakecore.watermark import Watermark

__all__ = [
    "Column",
    "CommitConflict",
    "ConfigurationError",
    "DataType",
    "InSet",
    "LakeNotWritable",
    "LakecoreError",
    "Layer",
    "MergeSpec",
    "NotNull",
    "Pattern",
    "QualityGateFailed",
    "Range",
    "ReferenceExists",
    "RuleSuite",
    "SchemaMismatch",
    "Severity",
    "SourceNotFound",
    "TableId",
    "TableNotFound",
    "TableSpec",
    "TerminalError",
    "TransientError",
    "Unique",
    "Watermark",
]
__version__ = "0.1.0"
