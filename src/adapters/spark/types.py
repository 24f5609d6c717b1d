"""Logical column types to Spark types, and quoting of names in SQL text."""

from __future__ import annotations

from pyspark.sql import types as T

from lakecore.schema import DataType, Kind, TableSpec

_SIMPLE: dict[Kind, T.DataType] = {
    Kind.STRING: T.StringType(),
    Kind.LONG: T.LongType(),
    Kind.DOUBLE: T.DoubleType(),
    Kind.BOOLEAN: T.BooleanType(),
    Kind.DATE: T.DateType(),
    Kind.TIMESTAMP: T.TimestampType(),
    Kind.BINARY: T.BinaryType(),
}


def spark_type(data_type: DataType) -> T.DataType:
    if data_type.kind is Kind.DECIMAL:
        return T.DecimalType(data_type.precision, data_type.scale)
    return _SIMPLE[data_type.kind]


def spark_schema(table: TableSpec) -> T.StructType:
    return T.StructType(
        [T.StructField(c.name, spark_type(c.type), nullable=True) for c in table.columns]
    )


def quote(name: str) -> str:
    """A column name as a SQL identifier, whatever characters it holds."""
    return "`" + name.replace("`", "``") + "`"
