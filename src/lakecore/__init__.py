"""lakecore: run an AWS lakehouse properly.

The pure core: tables, rules and merges as data, pipelines as data, the ports adapters
implement, and the use cases of the daily batch. Nothing here imports Spark, AWS, Great
Expectations or a DI framework; adapters live in the ``adapters`` package, wiring in
``entrypoints``. Everything a pipeline author needs is importable from here.
"""

from lakecore.conform import ConformSpec, FieldMap, conform_record
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
from lakecore.merge import MergeSpec, dedupe
from lakecore.pipeline import (
    BRONZE_LINEAGE,
    SILVER_LINEAGE,
    GoldOutput,
    GoldTransform,
    Pipeline,
    landing_dataset,
    quarantine_table,
)
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
from lakecore.relational import Aggregate, Function, JoinKind
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
    "BRONZE_LINEAGE",
    "DATE",
    "DOUBLE",
    "LONG",
    "SILVER_LINEAGE",
    "STRING",
    "TIMESTAMP",
    "Aggregate",
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
    "Function",
    "Gate",
    "GoldOutput",
    "GoldTransform",
    "InSet",
    "JoinKind",
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
    "conform_record",
    "decimal",
    "dedupe",
    "landing_dataset",
    "quarantine_table",
    "run_daily",
]
__version__ = "0.1.0"
