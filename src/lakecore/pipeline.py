"""A pipeline as data: its tables, where records land, how they conform and merge into
silver, how gold is built, and the rules every table must satisfy.

The use cases (``lakecore.daily``) take a ``Pipeline`` as an argument and know nothing of any
particular one. A definition is checked whole when it is made, so a suite naming an unknown
column, or a gold transform reading a table the pipeline does not declare, is a one-line
``ConfigurationError`` before any data is read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar, runtime_checkable

from lakecore.conform import ConformSpec
from lakecore.errors import ConfigurationError
from lakecore.merge import MergeSpec
from lakecore.ports import Engine, Extraction, LandingDataset, RunContext
from lakecore.rules import RuleSuite, validate_suites
from lakecore.schema import DATE, LONG, TIMESTAMP, Column, Layer, TableId, TableSpec
from lakecore.stream import Stream

F = TypeVar("F")

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Columns every bronze table carries so a run can find what it has not yet consumed.
BRONZE_PROGRESS_COLUMNS = ("_source_file", "_source_checksum", "_batch")
#: Columns the quarantine table needs: what was rejected, why, which batch rejected it, and
#: the key of a row a gold transform rejected (so an update can replace it).
QUARANTINE_COLUMNS = ("table", "source_table", "reason", "record", "_batch", "key")


#: What every bronze row carries besides its landed fields: where and when it came from.
BRONZE_LINEAGE = (
    Column("_corrupt_record"),
    Column("_source_file"),
    Column("_source_checksum"),
    Column("_batch", LONG),
    Column("_source"),
    Column("_run_id"),
    Column("_ingested_at", TIMESTAMP),
    Column("_proc_date", DATE),
)
#: The lineage a conformed silver row keeps (``ConformSpec.lineage`` copies these).
SILVER_LINEAGE = (Column("_source_file"), Column("_run_id"), Column("_ingested_at", TIMESTAMP))


def landing_dataset(
    source: str,
    obj: str,
    fmt: str,
    fields: tuple[str, ...],
    extraction: Extraction | None = None,
) -> LandingDataset:
    """Landing files under ``<landing>/<source>/<obj>/`` (``jsonl`` or ``csv``) and the
    bronze table ``bronze.<source>_<obj>`` they append to: every field as text, plus
    ``BRONZE_LINEAGE``, partitioned by the processing date. With ``extraction``, a run
    given a ``Source`` for ``source`` also pulls the object from the system itself."""
    spec = TableSpec(
        TableId(Layer.BRONZE, f"{source}_{obj}"),
        columns=(*(Column(f) for f in fields), *BRONZE_LINEAGE),
        partition_by=("_proc_date",),
        description=f"Raw {source} {obj} records as landed, append-only.",
        evolves=True,
    )
    return LandingDataset(source, obj, fmt, fields, spec, extraction)


def quarantine_table(name: str = "quarantine") -> TableSpec:
    """A silver table for rejected records: which table refused them, from where, why, and
    the raw record as JSON; ``key`` is the key (as text) of a row rejected on its way to a
    gold table with a one-column key, null otherwise."""
    return TableSpec(
        TableId(Layer.SILVER, name),
        columns=(
            Column("table"),
            Column("source_table"),
            Column("reason"),
            Column("record"),
            Column("_source_file"),
            Column("_run_id"),
            Column("_batch", LONG),
            Column("_proc_date", DATE),
            Column("_quarantined_at", TIMESTAMP),
            # Last: a lake from before it gains it as its last column.
            Column("key"),
        ),
        partition_by=("_proc_date",),
        description="Records that could not be conformed or broke a record-level rule, with why.",
    )


@dataclass(frozen=True, slots=True)
class GoldOutput(Generic[F]):
    """What a gold transform built: a frame per gold table, and rows it had to reject (rows
    of the pipeline's quarantine table), if any."""

    tables: Mapping[TableId, F]
    rejected: F | None = None


@dataclass(frozen=True, slots=True)
class Changed(Generic[F]):
    """New rows for some keys of a table: every row whose values in ``affected``'s columns
    (the key) equal a row of ``affected`` is replaced by ``rows`` -- none, for a key whose
    row is gone."""

    affected: F
    rows: F


@dataclass(frozen=True, slots=True)
class GoldUpdate(Generic[F]):
    """What changed in gold since it was last built: for every output table, the keys whose
    rows changed and their new rows; ``rejected``: the same for the quarantine's rows the
    transform rejects (keyed by ``table`` and ``key``)."""

    tables: Mapping[TableId, Changed[F]]
    rejected: Changed[F] | None = None


class GoldTransform(Protocol):
    """Builds the gold tables from silver, written once against the ``Engine`` port, so the
    same transform runs in memory (a pipeline author's property tests) and on Spark.

    ``inputs`` are the silver tables it reads, ``outputs`` the gold tables it builds; ``build``
    receives a frame for every input and must return one for every output.
    """

    @property
    def inputs(self) -> tuple[TableSpec, ...]: ...

    @property
    def outputs(self) -> tuple[TableSpec, ...]: ...

    def build(
        self, inputs: Mapping[TableId, F], engine: Engine[F], run: RunContext
    ) -> GoldOutput[F]: ...


@runtime_checkable
class IncrementalGold(GoldTransform, Protocol):
    """A gold transform that can also bring gold up to date from what changed in silver,
    so a day costs what the day brought, not the whole history.

    ``changes`` holds, for every input, its rows inserted or updated since gold was last
    built (one row per key, as the input holds it now); ``inputs`` the inputs as they are
    now. The update must leave gold exactly as ``build`` on the new inputs would; a full
    rebuild stays what a restore, or a change that cannot be told, leads to.
    """

    def update(
        self,
        changes: Mapping[TableId, F],
        inputs: Mapping[TableId, F],
        engine: Engine[F],
        run: RunContext,
    ) -> GoldUpdate[F]: ...


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Landing datasets -> bronze -> silver (+ quarantine) -> gold, with the rules to judge.

    Raises ``ConfigurationError`` when the parts do not fit together.
    """

    name: str
    landing: tuple[LandingDataset, ...]
    conform: tuple[ConformSpec, ...]
    #: how each silver table decides which version of a row wins
    merges: Mapping[TableId, MergeSpec]
    quarantine: TableSpec
    gold: GoldTransform | None = None
    suites: Mapping[TableId, RuleSuite] = field(default_factory=dict)
    description: str = ""
    #: topics feeding silver record by record (``lakecore.stream``)
    streams: tuple[Stream, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ConfigurationError(
                f"invalid pipeline name {self.name!r}: use lower-case letters, digits and _"
            )
        self._check_bronze()
        self._check_silver()
        self._check_gold()
        self._check_streams()
        self._check_suites()

    # --- what the pipeline holds ------------------------------------------------------------

    @property
    def bronze(self) -> tuple[TableSpec, ...]:
        return tuple(d.bronze for d in self.landing)

    @property
    def silver(self) -> tuple[TableSpec, ...]:
        """The silver tables records are merged into, in the order they are first conformed."""
        return tuple({s.target.id: s.target for s in self.conform}.values())

    @property
    def gold_tables(self) -> tuple[TableSpec, ...]:
        return self.gold.outputs if self.gold else ()

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        dead_letters = tuple(s.dead_letters for s in self.streams)
        return (*self.bronze, *self.silver, self.quarantine, *self.gold_tables, *dead_letters)

    @property
    def tables_by_id(self) -> dict[TableId, TableSpec]:
        return {t.id: t for t in self.tables}

    def table(self, table: TableId) -> TableSpec:
        found = self.tables_by_id.get(table)
        if found is None:
            known = ", ".join(str(t.id) for t in self.tables)
            raise ConfigurationError(
                f"unknown table {str(table)!r} in pipeline {self.name}; known tables: {known}"
            )
        return found

    def feeding(self, target: TableId) -> tuple[ConformSpec, ...]:
        """The conform specs that feed silver table ``target``."""
        return tuple(s for s in self.conform if s.target.id == target)

    def bronze_of(self, spec: ConformSpec) -> TableSpec:
        return next(t for t in self.bronze if t.id == spec.source)

    def stream(self, name: str) -> Stream:
        for stream in self.streams:
            if stream.name == name:
                return stream
        known = ", ".join(s.name for s in self.streams) or "none"
        raise ConfigurationError(f"pipeline {self.name} has no stream {name!r} (streams: {known})")

    def app(self, step: str) -> str:
        """The marker name this pipeline's ``step`` commits its progress under."""
        return f"lakecore/{self.name}/{step}"

    # --- checks -------------------------------------------------------------------------------

    def _check_bronze(self) -> None:
        for table in self.bronze:
            missing = [c for c in BRONZE_PROGRESS_COLUMNS if not table.has_column(c)]
            if table.id.layer is not Layer.BRONZE or missing:
                raise ConfigurationError(
                    f"{self.name}: landing table {table.id} must be in bronze with columns "
                    f"{', '.join(BRONZE_PROGRESS_COLUMNS)} (missing {missing})"
                )

    def _check_silver(self) -> None:
        bronze = {t.id for t in self.bronze}
        for spec in self.conform:
            if spec.source not in bronze:
                raise ConfigurationError(
                    f"{self.name}: {spec.target.id} is fed from {spec.source}, "
                    "which no landing dataset fills"
                )
        for table in self.silver:
            merge = self.merges.get(table.id)
            if merge is None:
                raise ConfigurationError(f"{self.name}: no merge spec for {table.id}")
            unknown = [c for c in (*merge.keys, *merge.version) if not table.has_column(c)]
            if unknown:
                raise ConfigurationError(
                    f"{self.name}: the merge into {table.id} names unknown columns {unknown}"
                )
        missing = [c for c in QUARANTINE_COLUMNS if not self.quarantine.has_column(c)]
        if missing:
            raise ConfigurationError(
                f"{self.name}: quarantine table {self.quarantine.id} lacks columns {missing}"
            )

    def _check_gold(self) -> None:
        if self.gold is None:
            return
        silver = {t.id for t in self.silver}
        for table in self.gold.inputs:
            if table.id not in silver:
                raise ConfigurationError(
                    f"{self.name}: the gold transform reads {table.id}, "
                    "which the pipeline does not declare as a silver table"
                )
        for table in self.gold.outputs:
            if table.id.layer is not Layer.GOLD:
                raise ConfigurationError(f"{self.name}: gold output {table.id} is not in gold")
            if isinstance(self.gold, IncrementalGold) and not table.keys:
                raise ConfigurationError(
                    f"{self.name}: gold output {table.id} needs keys to be updated incrementally"
                )

    def _check_streams(self) -> None:
        for attribute in ("name", "folder"):
            names = [getattr(s, attribute) for s in self.streams]
            if len(set(names)) != len(names):
                raise ConfigurationError(f"{self.name}: two streams share a {attribute} in {names}")
        for stream in self.streams:
            if stream.dataset not in self.landing or stream.conform not in self.conform:
                raise ConfigurationError(
                    f"{self.name}: stream {stream.name} must use one of the pipeline's landing "
                    "datasets and conform specs"
                )

    def _check_suites(self) -> None:
        validate_suites(self.suites, self.tables_by_id)
