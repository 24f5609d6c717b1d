"""Table definitions as data: layers, columns, keys, partitioning."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from lakecore.errors import ConfigurationError

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,127}$")
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class Layer(StrEnum):
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"
    #: records a stream could not take, kept whole with why (``<lake>/_dlq/<stream>``)
    DEAD_LETTER = "_dlq"
    #: what operating the lake records about itself (``<lake>/_ops/maintenance``)
    OPERATIONS = "_ops"


class Kind(StrEnum):
    """Logical column types; each engine maps them to its own."""

    STRING = "string"
    LONG = "long"
    DOUBLE = "double"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BINARY = "binary"


@dataclass(frozen=True, slots=True)
class DataType:
    kind: Kind
    precision: int = 0
    scale: int = 0

    def __str__(self) -> str:
        if self.kind is Kind.DECIMAL:
            return f"decimal({self.precision},{self.scale})"
        return self.kind.value


STRING = DataType(Kind.STRING)
LONG = DataType(Kind.LONG)
DOUBLE = DataType(Kind.DOUBLE)
BOOLEAN = DataType(Kind.BOOLEAN)
DATE = DataType(Kind.DATE)
TIMESTAMP = DataType(Kind.TIMESTAMP)
BINARY = DataType(Kind.BINARY)


def decimal(precision: int, scale: int) -> DataType:
    return DataType(Kind.DECIMAL, precision, scale)


def is_lineage(column: str) -> bool:
    """Lineage columns (``_run_id``, ``_ingested_at`` …) say where a row came from, not what it is."""
    return column.startswith("_")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: DataType = STRING
    nullable: bool = True

    def __post_init__(self) -> None:
        if not _COLUMN.fullmatch(self.name):
            raise ConfigurationError(f"invalid column name {self.name!r}")


@dataclass(frozen=True, slots=True, order=True)
class TableId:
    """A table's address in the lake: ``<layer>.<name>``, stored under ``<lake>/<layer>/<name>``.

    Names are lower-case identifiers, so a table name can never escape the lake root.
    """

    layer: Layer
    name: str

    def __post_init__(self) -> None:
        if self.layer not in Layer.__members__.values():
            raise ConfigurationError(
                f"invalid layer {self.layer!r}: use bronze, silver, gold or _dlq"
            )
        object.__setattr__(self, "layer", Layer(self.layer))
        if not _IDENTIFIER.fullmatch(self.name):
            raise ConfigurationError(
                f"invalid table name {self.name!r}: use lower-case letters, digits and _"
            )

    @classmethod
    def parse(cls, text: str) -> TableId:
        layer, dot, name = text.partition(".")
        if not dot or layer not in Layer.__members__.values():
            raise ConfigurationError(
                f"invalid table {text!r}: expected <bronze|silver|gold|_dlq>.<name>"
            )
        return cls(Layer(layer), name)

    @property
    def path(self) -> str:
        return f"{self.layer}/{self.name}"

    def __str__(self) -> str:
        return f"{self.layer}.{self.name}"


@dataclass(frozen=True, slots=True)
class TableSpec:
    """What a table holds: its columns, the key that makes a row unique, how it is laid out."""

    id: TableId
    columns: tuple[Column, ...]
    keys: tuple[str, ...] = ()
    partition_by: tuple[str, ...] = ()
    zorder_by: tuple[str, ...] = ()
    description: str = ""
    #: a written frame may bring columns the table does not declare: they are added, as
    #: text and nullable (bronze tables, whose sources gain fields over time)
    evolves: bool = False
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_name = {c.name: c for c in self.columns}
        if len(by_name) != len(self.columns):
            raise ConfigurationError(f"{self.id}: duplicate column names")
        unknown = [c for c in (*self.keys, *self.partition_by, *self.zorder_by) if c not in by_name]
        if unknown:
            raise ConfigurationError(f"{self.id}: unknown columns {unknown} in keys or layout")
        object.__setattr__(self, "_by_name", by_name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def business_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not is_lineage(c.name))

    def column(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise ConfigurationError(f"{self.id} has no column {name!r}") from None

    def has_column(self, name: str) -> bool:
        return name in self._by_name
