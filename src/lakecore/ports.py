"""The ports: what the use cases need from the outside world, as small Protocols.

Frames are opaque to the core: every port is generic in the frame type ``F`` of the engine
that executes it (a Spark DataFrame, a list of dicts, ...). Adapters implement these without
inheriting from them; mypy checks the fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

from lakecore.conform import ConformSpec
from lakecore.merge import MergeSpec
from lakecore.quality import Measurements, QualityReport
from lakecore.relational import Aggregate, JoinKind
from lakecore.rules import RuleSuite
from lakecore.schema import TableId, TableSpec
from lakecore.watermark import Watermark

F = TypeVar("F")
T = TypeVar("T")
R = TypeVar("R")
F_co = TypeVar("F_co", covariant=True)
F_contra = TypeVar("F_contra", contravariant=True)


@dataclass(frozen=True, slots=True)
class Extraction:
    """How a dataset is pulled from its system when a ``Source`` for it is configured.

    ``object`` is its name there (``Account``, ``LEGACY_ORDERS``); ``cursor`` the fields that
    order its changes, most significant first (``SystemModstamp``, ``Id``).
    """

    object: str
    cursor: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LandingDataset:
    """Records of one source object -- landing files in a folder, and, with ``extraction``,
    pulled from the system itself -- and the bronze table they append to."""

    source: str
    object: str
    format: str  # "jsonl" or "csv"
    fields: tuple[str, ...]
    bronze: TableSpec
    extraction: Extraction | None = None

    @property
    def folder(self) -> str:
        return f"{self.source}/{self.object}"


@dataclass(frozen=True, slots=True)
class LandingFile:
    """A landing file, known by its path and its content: a file delivered again under the
    same name with other content is a new file."""

    path: str  # relative to the landing root, '/'-separated
    size: int
    checksum: str  # sha256 of the content, hex

    @property
    def identity(self) -> tuple[str, str]:
        return (self.path, self.checksum)


@dataclass(frozen=True, slots=True)
class RunContext:
    """One run of a pipeline. ``batch`` numbers what the run writes (0 until it is given one)."""

    run_id: str
    proc_date: date
    started_at: datetime
    batch: int = 0


@dataclass(frozen=True, slots=True)
class Marker:
    """Progress committed with the data it describes: ``app`` has applied ``version``.

    A write carrying a marker is applied at most once: when the table already records
    ``version`` (or a later one) for ``app``, the write is skipped. Delta keeps markers as
    the commit's ``txnAppId``/``txnVersion``, in the same atomic commit as the rows.
    """

    app: str
    version: int
    #: what ``app`` needs to carry on from this commit (a source's cursor), opaque text
    state: str | None = None

    def __post_init__(self) -> None:
        if not self.app or self.version < 0:
            raise ValueError(f"invalid marker {self.app!r} {self.version}")


@dataclass(frozen=True, slots=True)
class Overlap:
    """Records a source may deliver again: those whose ``column`` (text) is greater than
    ``after``. Of these, a record whose ``identity`` fields bronze already holds is dropped."""

    column: str
    after: str | None
    identity: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Extracted:
    """One commit's worth of records a source pulled, every field as text (or null).

    ``state`` is where the source stands once these records are in bronze; it is committed
    with them. ``name`` becomes the rows' ``_source_file``. With ``replayable`` the chunk is
    skipped when bronze already holds ``name`` with the same content (a replayed window);
    ``overlap`` names the records an at-least-once extraction may repeat. ``total`` is the
    number of records the whole extraction expects, when the system says; ``expected`` the
    names of the replayable chunks it may yield, so bronze is asked about them all at once.
    """

    name: str
    records: Sequence[Mapping[str, str | None]]
    state: str
    replayable: bool = False
    overlap: Overlap | None = None
    total: int | None = None
    expected: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Slice:
    """The rows of a table whose ``within`` columns hold one of the given texts and whose
    ``after`` columns are greater than the given numbers: what a ``replace`` swaps at once."""

    within: tuple[tuple[str, tuple[str, ...]], ...] = ()
    after: tuple[tuple[str, int], ...] = ()

    def holds(self, row: Mapping[str, Any]) -> bool:
        return all(row.get(c) in values for c, values in self.within) and all(
            (value := row.get(c)) is not None and value > bound for c, bound in self.after
        )


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a write did, from the store's own commit metrics (no extra scan)."""

    table: TableId
    version: int | None
    rows_written: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    #: the write carried a marker the table had already applied, so nothing was written
    skipped: bool = False
    #: what the write was for, where the table does not say it (the quarantine takes the
    #: records silver refuses and the rows gold refuses, in two writes)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    version: int
    timestamp: datetime
    operation: str
    metrics: Mapping[str, int] = field(default_factory=dict)
    #: the marker the commit carried, if any
    marker: Marker | None = None


#: Operations that rewrite a table's files without changing its rows.
SAME_ROWS = frozenset(
    {"OPTIMIZE", "VACUUM START", "VACUUM END", "SET TBLPROPERTIES", "ADD COLUMNS"}
)


@dataclass(frozen=True, slots=True)
class Conformed(Generic[F]):
    valid: F
    rejected: F  # rows of the quarantine table
    #: with ``conform(..., keep_raw=True)``: the input rows as given, plus ``RAW_REASON``
    #: (the reasons, ``; ``-joined, as in ``rejected``; null for a valid row)
    raw: F | None = None


#: The column of ``Conformed.raw`` that says why a row was rejected (null: it was not).
RAW_REASON = "_reason"


@dataclass(frozen=True, slots=True)
class CurrencyConversion:
    """Convert ``amount`` in ``currency`` to the base currency at the rate of the row's date.

    The row's date (UTC) of ``timestamp`` goes to ``date_column``. Rates come as rows of
    ``(rate_date, rate_currency, rate)``: units of the currency per one unit of ``base``, so
    ``target = round(amount / rate, scale)`` (half up); the base currency converts to itself
    exactly. A row with no rate is rejected with reason ``missing_fx_rate``, never converted
    at 1.0.
    """

    amount: str
    currency: str
    timestamp: str
    date_column: str
    target: str
    base: str = "USD"
    scale: int = 2
    rate_date: str = "as_of_date"
    rate_currency: str = "ccy"
    rate: str = "rate_to_usd"


class LandingSource(Protocol[F_co]):
    """Landing files: list them (with a checksum of their content), and read some as raw
    text records.

    ``read`` returns every declared field as text (null when absent), ``_corrupt_record``
    holding the raw line of a record that could not be parsed, ``_source_file`` and
    ``_source_checksum``. Raises ``SourceNotFound`` when the landing root does not exist.
    """

    def list_files(self, dataset: LandingDataset) -> list[LandingFile]: ...

    def read(self, dataset: LandingDataset, files: Sequence[LandingFile]) -> F_co: ...


class Source(Protocol):
    """A system records are pulled from (Salesforce, a database): ``extract`` yields the
    records of ``dataset.extraction`` changed since ``state`` (None the first time), in
    chunks small enough for the driver, each with the state to carry on from after it.

    Raises ``TransientError`` when the system stays unavailable after retries,
    ``TerminalError`` for a refused credential, ``SchemaMismatch`` when a declared field is
    gone or changed type -- before any record of the extraction is yielded.
    """

    def extract(self, dataset: LandingDataset, state: str | None) -> Iterator[Extracted]: ...


class SecretStore(Protocol):
    """Credentials by name; a value never reaches a log line, an error or a report.

    Raises ``ConfigurationError`` naming the secret (never a value) when it is absent.
    """

    def get(self, name: str) -> Mapping[str, str]: ...


class TableStore(Protocol[F]):
    """Tables in the lake: read, append, overwrite, replace a slice, MERGE by keys, history,
    time travel, and progress markers committed with the data.

    Every write may carry a ``Marker``; a write whose marker the table has already applied
    is skipped (``WriteResult.skipped``). Raises ``TableNotFound`` reading a table that has
    no data, ``SchemaMismatch`` writing a frame whose columns do not fit (or, for
    ``replace``, rows outside the slice), ``CommitConflict`` when another writer won the
    race, ``LakeNotWritable`` when the lake root cannot be written.
    """

    def exists(self, table: TableId) -> bool: ...

    def version(self, table: TableId) -> int | None:
        """The current version, None for a table never written."""
        ...

    def marker(self, table: TableId, app: str) -> int | None:
        """The last version ``app`` committed to the table with a ``Marker``, or None."""
        ...

    def marker_state(self, table: TableId, app: str) -> str | None:
        """The ``state`` of the last marker ``app`` committed to the table, or None."""
        ...

    def read(self, table: TableSpec, version: int | None = None) -> F: ...

    def append(self, table: TableSpec, frame: F, marker: Marker | None = None) -> WriteResult: ...

    def overwrite(
        self, table: TableSpec, frame: F, marker: Marker | None = None
    ) -> WriteResult: ...

    def replace(
        self, table: TableSpec, frame: F, where: Slice, marker: Marker | None = None
    ) -> WriteResult:
        """Atomically swap the rows in ``where`` for ``frame`` (whose rows must all be in it)."""
        ...

    def merge(
        self, table: TableSpec, frame: F, spec: MergeSpec, marker: Marker | None = None
    ) -> WriteResult: ...

    def replace_keys(
        self, table: TableSpec, frame: F, affected: F, marker: Marker | None = None
    ) -> WriteResult:
        """Atomically swap the rows whose values in ``affected``'s columns (the key) equal a
        row of ``affected`` for ``frame``, whose rows' keys must all be among them:
        a key of ``affected`` that ``frame`` lacks loses its row. Null keys match nothing."""
        ...

    def changes(self, table: TableSpec, after: int, upto: int) -> F | None:
        """The rows the commits after version ``after`` up to ``upto`` inserted or updated,
        as each commit wrote them (a row changed twice is there twice; a row whose business
        columns stayed as they were, its lineage alone rewritten, is not there), or None when that
        cannot be told from appends and MERGEs alone: a commit in between removed rows or
        replaced them (an overwrite, a restore), or the table did not keep its changes then.

        Silver tables keep their changes (gold is updated from them); other tables may not.
        """
        ...

    def history(self, table: TableId, limit: int | None = None) -> list[Commit]:
        """The table's commits, newest first (the ``limit`` newest)."""
        ...


class Engine(Protocol[F]):
    """Executes the core's transformations on frames; ``lakecore`` defines what they mean."""

    def from_records(
        self, records: Sequence[Mapping[str, str | None]], columns: Sequence[str]
    ) -> F:
        """A frame of text ``columns`` holding ``records`` (an absent field is null)."""
        ...

    def with_constants(self, frame: F, values: Mapping[str, Any]) -> F: ...

    def where_equal(self, frame: F, column: str, value: Any) -> F:
        """Rows whose ``column`` equals ``value`` (null-safe: null equals only null)."""
        ...

    def where_not_equal(self, frame: F, column: str, value: Any) -> F:
        """Rows whose ``column`` is distinct from ``value`` (null is distinct from any value)."""
        ...

    def where_in(self, frame: F, column: str, values: Sequence[Any]) -> F:
        """Rows whose ``column`` is one of ``values`` (never null)."""
        ...

    def where_after(self, frame: F, column: str, value: Any) -> F:
        """Rows whose ``column`` is greater than ``value`` (never null)."""
        ...

    def distinct(self, frame: F, columns: Sequence[str]) -> set[tuple[Any, ...]]: ...

    def conform(
        self, frame: F, spec: ConformSpec, run: RunContext, *, keep_raw: bool = False
    ) -> Conformed[F]:
        """Valid rows of ``spec.target`` and quarantine rows; with ``keep_raw``, also the
        input rows with their reasons (``Conformed.raw``), computed in the same pass."""
        ...

    def dedupe(self, frame: F, spec: MergeSpec) -> F: ...

    def latest(self, frame: F, spec: MergeSpec, earliest: Mapping[str, str]) -> F:
        """One row per key (as ``dedupe``), plus ``earliest[alias]`` = min of a column per key."""
        ...

    def project(self, frame: F, columns: Sequence[tuple[str, str]]) -> F:
        """Select ``(target, source)`` column pairs, in order."""
        ...

    def convert(
        self, frame: F, rates: F, spec: CurrencyConversion, target: TableSpec, run: RunContext
    ) -> Conformed[F]: ...

    def union(self, frames: Sequence[F]) -> F: ...

    def aggregate(self, frame: F, by: Sequence[str], aggregates: Sequence[Aggregate]) -> F:
        """One row per ``by`` key with the aggregates (``lakecore.relational``)."""
        ...

    def join(self, left: F, right: F, on: Sequence[str], how: JoinKind = JoinKind.INNER) -> F:
        """Rows of both sides equal on ``on`` (nulls never match); ``ConfigurationError``
        when the sides share another column."""
        ...

    def with_day(self, frame: F, target: str, timestamp: str) -> F:
        """Adds ``target``, the UTC date of the ``timestamp`` column."""
        ...

    def count(self, frame: F) -> int: ...

    def count_by(self, frame: F, columns: Sequence[str]) -> dict[tuple[Any, ...], int]: ...

    def keep(self, frame: F) -> F:
        """``frame``, computed once where it is first used and kept for the uses after,
        until ``release``: for a frame several writes read."""
        ...

    def release(self, frame: F) -> None:
        """``frame`` will not be used again: free whatever the engine kept for it."""
        ...

    def each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``work`` done for every item, results in the items' order: side by side where the
        engine runs several jobs at once, so each item's work must write only its own tables.
        A failure is raised once every item's work has ended (the first, in item order)."""
        ...


class StateStore(Protocol):
    """Watermarks, committed so they never move backwards."""

    def watermark(self, source: str) -> Watermark: ...

    def advance(self, watermark: Watermark) -> Watermark: ...


class QualityGate(Protocol[F_contra]):
    """Measures a table against a suite; ``lakecore.quality.judge`` decides pass or fail.

    ``references`` holds the tables that ``ReferenceExists`` rules name. Breaking rows are
    sampled (at most ``sample_size`` per rule) only for rules that found any. ``run_id``
    names the run judging (an executor that keeps its own record of validations uses it).
    """

    name: str
    #: whether ``measure`` may run from several threads at once (tables judged side by side)
    concurrent: bool

    def measure(
        self,
        frame: F_contra,
        suite: RuleSuite,
        references: Mapping[TableId, F_contra],
        sample_size: int,
        *,
        run_id: str | None = None,
    ) -> Measurements: ...


class ReportStore(Protocol):
    """Keeps quality reports; ``save`` returns where the report went."""

    def save(self, report: QualityReport) -> str: ...


@dataclass(frozen=True, slots=True)
class KeptReports:
    """The reports a store holds, and the names of files in it that are not reports."""

    reports: tuple[QualityReport, ...]
    unreadable: tuple[str, ...] = ()


class ReportHistory(ReportStore, Protocol):
    """A ``ReportStore`` that reads back every report it kept (the quality page's input) and
    ``publish``es a page beside them, returning where it went."""

    def kept(self) -> KeptReports: ...

    def publish(self, name: str, html: str) -> str: ...


class Progress(Protocol):
    """Where a long job reports how far it has got."""

    def __call__(self, step: str, **facts: Any) -> None: ...
