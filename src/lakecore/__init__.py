"""lakecore: run an AWS lakehouse properly.

The pure core: tables, rules and merges as data, pipelines as data, the ports adapters
implement, and the use cases of the daily batch. Nothing here imports Spark, AWS, Great
Expectations or a DI framework; adapters live in the ``adapters`` package, wiring in
``entrypoints``. Everything a pipeline author needs is importable from here.
"""

from lakecore.conform import ConformSpec, FieldMap
from lakecore.daily import DailyReport, FileIntake, run_daily
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
from lakecore.gate import Gate
from lakecore.merge import MergeSpec
from lakecore.pipeline import GoldOutput, GoldTransform, Pipeline
from lakecore.ports import (
    Conformed,
    CurrencyConversion,
    Engine,
    LandingDataset,
    LandingSource,
    Marker,
    RunContext,
    Slice,
    TableStore,
    WriteResult,
)
from lakecore.rules import (
    Freshness,
    InSet,
    NotNull,
    Pattern,
    Range,
    RecordRule,
    ReferenceExists,
    RuleSuite,
    Severity,
    Unique,
    VolumeChange,
)
from lakecore.schema import (
    BOOLEAN,
    DATE,
    DOUBLE,
    LONG,
    STRING,
    TIMESTAMP,
    Column,
    DataType,
    Layer,
    TableId,
    TableSpec,
    decimal,
)
from lakecore.watermark import Watermark

__all__ = [
    "BOOLEAN",
    "DATE",
    "DOUBLE",
    "LONG",
    "STRING",
    "TIMESTAMP",
    "Column",
    "CommitConflict",
    "ConfigurationError",
    "ConformSpec",
    "Conformed",
    "CurrencyConversion",
    "DailyReport",
    "DataType",
    "Engine",
    "FieldMap",
    "FileIntake",
    "Freshness",
    "Gate",
    "GoldOutput",
    "GoldTransform",
    "InSet",
    "LakeNotWritable",
    "LakecoreError",
    "LandingDataset",
    "LandingSource",
    "Layer",
    "Marker",
    "MergeSpec",
    "NotNull",
    "Pattern",
    "Pipeline",
    "QualityGateFailed",
    "Range",
    "RecordRule",
    "ReferenceExists",
    "RuleSuite",
    "RunContext",
    "SchemaMismatch",
    "Severity",
    "Slice",
    "SourceNotFound",
    "TableId",
    "TableNotFound",
    "TableSpec",
    "TableStore",
    "TerminalError",
    "TransientError",
    "Unique",
    "VolumeChange",
    "Watermark",
    "WriteResult",
    "decimal",
    "run_daily",
]
__version__ = "0.1.0"
