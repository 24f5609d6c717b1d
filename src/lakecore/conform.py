"""How raw bronze records become typed silver rows, and why a record is quarantined instead.

Every raw value is text. A field is trimmed (empty text is null), upper-cased if asked, and
parsed to the target column's type with the accepted formats below. A record is quarantined,
with every reason that applies, when it is malformed, when a non-null raw value cannot be
parsed, or when it breaks a record-level rule. ``parse`` is the reference semantics that
every engine reproduces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from lakecore.errors import ConfigurationError
from lakecore.rules import RecordRule, broken_rules
from lakecore.schema import DataType, Kind, TableId, TableSpec

#: Timestamps we accept. Naive ones are UTC.
ISO_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$"
EPOCH_MILLIS = r"^\d{13}$"
US_TIMESTAMP = r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
DECIMAL_TEXT = r"^[+-]?\d+(\.\d+)?$"
LONG_TEXT = r"^[+-]?\d{1,18}$"
BOOLEAN_TEXT = r"^(?i:true|false)$"

MALFORMED = "malformed_record"


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Target column ``name`` comes from raw field ``source``."""

    name: str
    source: str
    upper: bool = False


@dataclass(frozen=True, slots=True)
class ConformSpec:
    """How one bronze table feeds one silver table."""

    source: TableId
    target: TableSpec
    fields: tuple[FieldMap, ...]
    rules: tuple[RecordRule, ...] = ()
    #: a raw column holding a JSON object whose members are the fields (a Kafka ``value``)
    payload: str | None = None
    #: target columns set to a fixed text, e.g. which source a row came from
    constants: tuple[tuple[str, str], ...] = ()
    #: lineage columns copied from bronze as they are
    lineage: tuple[str, ...] = ("_source_file", "_run_id", "_ingested_at")

    def __post_init__(self) -> None:
        produced = [f.name for f in self.fields] + [c for c, _ in self.constants]
        missing = set(self.target.column_names) - set(produced) - set(self.lineage)
        unknown = [c for c in produced if not self.target.has_column(c)]
        if missing or unknown:
            raise ConfigurationError(
                f"{self.source} -> {self.target.id}: missing {sorted(missing)}, unknown {unknown}"
            )
        binary = [f.name for f in self.fields if self.type_of(f.name).kind is Kind.BINARY]
        if binary:
            raise ConfigurationError(
                f"{self.source} -> {self.target.id}: text cannot conform to binary {binary}"
            )

    def type_of(self, column: str) -> DataType:
        return self.target.column(column).type


def _match(pattern: str, text: str) -> bool:
    # ASCII digits only, as in Java regular expressions (Spark).
    return re.match(pattern, text, re.ASCII) is not None


def unparseable(column: str) -> str:
    return f"unparseable:{column}"


def broken(rule_name: str) -> str:
    return f"rule:{rule_name}"


def clean_text(raw: object, upper: bool = False) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip(" ")  # spaces only, as Spark's trim
    if not text:
        return None
    return text.upper() if upper else text


def parse(text: str | None, type_: DataType) -> tuple[Any, bool]:
    """``(value, ok)``: the typed value of cleaned ``text``; ``ok`` is False when it does not parse."""
    if text is None:
        return None, True
    value = _PARSERS[type_.kind](text, type_)
    return value, value is not None


def _timestamp(text: str, _: DataType) -> datetime | None:
    try:
        if _match(EPOCH_MILLIS, text):
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC).replace(tzinfo=None)
        if _match(US_TIMESTAMP, text):
            return datetime.strptime(text, "%m/%d/%Y %H:%M:%S")
        if _match(ISO_TIMESTAMP, text):
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            return parsed
    except ValueError:
        return None
    return None


def _date(text: str, _: DataType) -> date | None:
    try:
        return date.fromisoformat(text) if _match(ISO_DATE, text) else None
    except ValueError:
        return None


def _decimal(text: str, type_: DataType) -> Decimal | None:
    if not _match(DECIMAL_TEXT, text):
        return None
    try:
        value = Decimal(text).quantize(Decimal(1).scaleb(-type_.scale), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    digits = len(value.as_tuple().digits)
    return value if digits <= type_.precision else None


def _long(text: str, _: DataType) -> int | None:
    return int(text) if _match(LONG_TEXT, text) else None


def _double(text: str, _: DataType) -> float | None:
    return float(text) if _match(DECIMAL_TEXT, text) else None


def _boolean(text: str, _: DataType) -> bool | None:
    return text.lower() == "true" if _match(BOOLEAN_TEXT, text) else None


def _string(text: str, _: DataType) -> str:
    return text


_PARSERS = {
    Kind.STRING: _string,
    Kind.LONG: _long,
    Kind.DOUBLE: _double,
    Kind.DECIMAL: _decimal,
    Kind.BOOLEAN: _boolean,
    Kind.DATE: _date,
    Kind.TIMESTAMP: _timestamp,
}


#: JSON's whitespace (Jackson, Spark's parser, allows no other before a value)
JSON_SPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


def payload_fields(payload: object) -> dict[str, str | None] | None:
    """The members of a JSON object as text (as Spark's ``from_json`` gives them), or None.

    As Spark's parser, the first JSON value of the text is read and what follows it is
    ignored. Text nested deeper than Python recurses, or a number too long to convert, is
    malformed (so is it to Spark, whose parser refuses numbers over 1,000 digits).
    """
    if not isinstance(payload, str):
        return None
    try:
        parsed, _ = _DECODER.raw_decode(payload.lstrip(JSON_SPACE))
    except (ValueError, RecursionError):  # nested deeper than Python recurses: malformed too
        return None
    if not isinstance(parsed, dict):
        return None
    return {k: _json_text(v) for k, v in parsed.items()}


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def conform_record(raw: Mapping[str, Any], spec: ConformSpec) -> tuple[dict[str, Any], list[str]]:
    """The typed row for one raw record, and every reason it must be quarantined (none: valid)."""
    fields: Mapping[str, Any] | None = raw
    if spec.payload is not None:
        fields = payload_fields(raw.get(spec.payload))
    if raw.get("_corrupt_record") is not None or fields is None:
        return {}, [MALFORMED]
    row: dict[str, Any] = {}
    reasons: list[str] = []
    for field in spec.fields:
        value, ok = parse(
            clean_text(fields.get(field.source), field.upper), spec.type_of(field.name)
        )
        row[field.name] = value
        if not ok:
            reasons.append(unparseable(field.name))
    row.update(spec.constants)
    row.update((c, raw.get(c)) for c in spec.lineage)
    reasons.extend(broken(rule.name) for rule in broken_rules(spec.rules, row))
    return row, reasons


def quarantine_record(raw: Mapping[str, Any], fields: Sequence[str]) -> str:
    """The raw record as compact JSON, fields in order, nulls left out (as Spark's ``to_json``)."""
    present = {f: raw[f] for f in fields if raw.get(f) is not None}
    return json.dumps(present, separators=(",", ":"), ensure_ascii=False, default=str)
