"""Hypothesis strategies built from a pipeline's own definitions.

* ``rows(table, rules)``: typed rows of ``table`` that satisfy the record ``rules``;
* ``breaking(table, rules, rule)``: typed rows that break ``rule`` and satisfy the others;
* ``records(spec)``: raw text records (as they land) that ``spec`` conforms without a
  reason to quarantine them; ``bad_records(spec, rule)`` ones it quarantines for ``rule``;
* ``event_values(spec)`` and ``hostile_values(spec)``: Kafka values a stream takes, and
  ones it must dead-letter;
* ``landing_files(dataset, spec)``: the bytes of hostile landing files.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from lakecore.conform import ConformSpec, broken, conform_record
from lakecore.ports import LandingDataset
from lakecore.rules import InSet, NotNull, Pattern, Range, RecordRule, broken_rules
from lakecore.schema import Column, DataType, Kind, TableSpec, is_lineage

Row = dict[str, Any]

_FIRST_DAY = datetime(2020, 1, 1)
_LAST_DAY = datetime(2030, 12, 31)


def values(data_type: DataType) -> st.SearchStrategy[Any]:
    """Any value of a logical type (never null)."""
    kind = data_type.kind
    if kind is Kind.DECIMAL:
        whole = 10 ** (data_type.precision - data_type.scale) - 1
        return st.decimals(-whole, whole, places=data_type.scale, allow_nan=False)
    if kind is Kind.TIMESTAMP:
        return st.datetimes(_FIRST_DAY, _LAST_DAY).map(lambda t: t.replace(microsecond=0, fold=0))
    simple: dict[Kind, st.SearchStrategy[Any]] = {
        Kind.STRING: st.text(
            st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12
        ),
        Kind.LONG: st.integers(-(2**40), 2**40),
        Kind.DOUBLE: st.floats(-1e9, 1e9, allow_nan=False),
        Kind.BOOLEAN: st.booleans(),
        Kind.DATE: st.dates(_FIRST_DAY.date(), _LAST_DAY.date()),
    }
    return simple[kind]


def _column(column: Column, rules: Sequence[RecordRule]) -> st.SearchStrategy[Any]:
    mine = [r for r in rules if r.column == column.name]
    strategy = values(column.type)
    for rule in mine:
        if isinstance(rule, InSet):
            strategy = st.sampled_from(rule.values)
        elif isinstance(rule, Pattern) and column.type.kind is Kind.STRING:
            strategy = st.from_regex(rule.regex, fullmatch=True)
        elif isinstance(rule, Range):
            strategy = _within(rule, column.type)
    required = not column.nullable or any(isinstance(r, NotNull) for r in mine)
    return strategy if required else st.none() | strategy


def _within(rule: Range, data_type: DataType) -> st.SearchStrategy[Any]:
    low = None if rule.min is None else Decimal(str(rule.min))
    high = None if rule.max is None else Decimal(str(rule.max))
    if data_type.kind is Kind.LONG:
        return st.integers(
            None if low is None else int(low) + (not rule.min_inclusive),
            None if high is None else int(high) - (not rule.max_inclusive),
        )
    places = data_type.scale if data_type.kind is Kind.DECIMAL else 3
    return st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False).filter(
        lambda v: not broken_rules((rule,), {rule.column: v})
    )


def rows(
    table: TableSpec, rules: Sequence[RecordRule] = (), *, lineage: bool = False
) -> st.SearchStrategy[Row]:
    """Rows of ``table`` (business columns; lineage columns too, as nulls, if asked) that
    satisfy every record rule."""
    columns = [c for c in table.columns if lineage or not is_lineage(c.name)]
    fixed = st.fixed_dictionaries({c.name: _column(c, rules) for c in columns})
    return fixed.filter(lambda row: not broken_rules(rules, row))


def breaking(
    table: TableSpec, rules: Sequence[RecordRule], rule: RecordRule
) -> st.SearchStrategy[Row]:
    """Rows that break ``rule`` and satisfy every other rule."""
    others = [r for r in rules if r != rule and r.column != rule.column]
    return st.tuples(rows(table, others), _violating(rule, table.column(rule.column).type)).map(
        lambda pair: {**pair[0], rule.column: pair[1]}
    )


def _violating(rule: RecordRule, data_type: DataType) -> st.SearchStrategy[Any]:
    if isinstance(rule, NotNull):
        return st.none()
    return values(data_type).filter(lambda v: bool(broken_rules((rule,), {rule.column: v})))


def records(spec: ConformSpec) -> st.SearchStrategy[Row]:
    """Raw records, every field as text, that ``spec`` conforms into a valid row."""
    return (
        rows(spec.target, spec.rules)
        .map(lambda row: _raw(spec, row))
        .filter(lambda raw: not conform_record(raw, spec)[1])
    )


def bad_records(spec: ConformSpec, rule: RecordRule) -> st.SearchStrategy[Row]:
    """Raw records that ``spec`` quarantines for breaking ``rule``: a violation that the
    field's cleaning would repair (``upper``, trimming) is not one."""
    return (
        breaking(spec.target, spec.rules, rule)
        .map(lambda row: _raw(spec, row))
        .filter(lambda raw: broken(rule.name) in conform_record(raw, spec)[1])
    )


def _raw(spec: ConformSpec, row: Row) -> Row:
    fields = {f.source: _text(row.get(f.name)) for f in spec.fields}
    if spec.payload is not None:  # the fields travel as one JSON object (a Kafka value)
        return {spec.payload: json.dumps(fields), "_corrupt_record": None}
    return {**fields, "_corrupt_record": None}


def _text(value: Any) -> str | None:
    """How a landing file spells a value: ISO dates and times, plain numbers."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# --- Kafka values ----------------------------------------------------------------------------


def event_values(spec: ConformSpec) -> st.SearchStrategy[bytes]:
    """Kafka record values (UTF-8 JSON) that ``spec`` (one with a ``payload``) conforms."""
    payload = _payload_of(spec)
    return records(spec).map(lambda raw: str(raw[payload]).encode())


def hostile_values(spec: ConformSpec) -> st.SearchStrategy[bytes | None]:
    """Kafka record values ``spec`` must refuse: bytes that are not UTF-8 or not JSON, empty
    and absent values, JSON that is not an object, events missing a required field, or with
    a field of the wrong type, a huge or non-finite number, text breaking a rule (unicode,
    oversized). Each is checked against the reference semantics (``conform_record``)."""
    payload = _payload_of(spec)
    event = records(spec).map(lambda raw: json.loads(str(raw[payload])))
    typed = [f.source for f in spec.fields if spec.type_of(f.name).kind is not Kind.STRING]
    required = [r.column for r in spec.rules if isinstance(r, NotNull)]
    source_of = {f.name: f.source for f in spec.fields}
    checked = [source_of[r.column] for r in spec.rules if isinstance(r, InSet | Pattern)]
    hostile = st.one_of(
        st.binary(min_size=1, max_size=64),
        st.just(b""),
        st.none(),
        st.text(max_size=40).map(str.encode),
        st.sampled_from([b"[]", b"[1, 2]", b'"text"', b"42", b"null", b"true", b"{", b"{}x"]),
        st.tuples(event, st.sampled_from([source_of[c] for c in required])).map(
            lambda pair: _dumps({k: v for k, v in pair[0].items() if k != pair[1]})
        ),
        st.tuples(event, st.sampled_from(typed), _wrong_values()).map(
            lambda t: _dumps({**t[0], t[1]: t[2]})
        ),
        st.tuples(event, st.sampled_from(typed), st.sampled_from(["NaN", "Infinity", "1e400"])).map(
            lambda t: _with_token(t[0], t[1], t[2])
        ),
        st.tuples(event, st.sampled_from(checked), _odd_text()).map(
            lambda t: _dumps({**t[0], t[1]: t[2]})
        ),
    )
    return hostile.filter(lambda value: _refused(value, spec, payload))


def _payload_of(spec: ConformSpec) -> str:
    if spec.payload is None:
        raise ValueError(f"{spec.source} -> {spec.target.id} has no payload column")
    return spec.payload


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _with_token(event: dict[str, Any], field: str, token: str) -> bytes:
    """``event`` as JSON with ``field`` set to a bare token (not JSON: NaN, Infinity)."""
    rest = _dumps({k: v for k, v in event.items() if k != field})[:-1]
    comma = b", " if rest != b"{" else b""
    return rest + comma + f'"{field}": {token}}}'.encode()


def _wrong_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.booleans(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.text(st.characters(min_codepoint=0x41, max_codepoint=0xFF), min_size=1, max_size=8),
        st.integers(min_value=10**30, max_value=10**60),
    )


def _odd_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(st.characters(min_codepoint=0x80, max_codepoint=0x2FFF), min_size=1, max_size=6),
        st.integers(50_000, 300_000).map(lambda n: "Z" * n),  # oversized
        st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1, max_size=3),
    )


def _refused(value: bytes | None, spec: ConformSpec, payload: str) -> bool:
    try:
        text = None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return bool(conform_record({payload: text, "_corrupt_record": None}, spec)[1])


# --- landing files ---------------------------------------------------------------------------

#: Line ends a landing file may use (one file may mix them).
LINE_ENDS = (b"\n", b"\r\n", b"\r")
BOM = "\ufeff".encode()


@st.composite
def landing_files(draw: st.DrawFn, dataset: LandingDataset, spec: ConformSpec) -> bytes:
    """The bytes of a hostile landing file of ``dataset`` (conformed by ``spec``): records
    that conform, records with odd values (control and unicode characters, oversized text,
    huge and non-numeric numbers, wrong JSON types), lines cut short, binary, blank or not
    an object, a byte-order mark, any line ends, a CSV header in any column order, with an
    extra column or only the header; sometimes empty, or a CSV header missing a field."""
    if draw(st.integers(0, 15)) == 0:
        return b""
    header = draw(_header(dataset)) if dataset.format == "csv" else None
    record = _record_line(dataset, spec, header)
    line = st.one_of(
        record,
        _record_line(dataset, spec, header, odd=True),
        st.tuples(record, st.integers(0, 200)).map(lambda t: t[0][: t[1]]),
        st.tuples(record, st.integers(0, 200), st.binary(min_size=1, max_size=8))
        .map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]),
        st.binary(max_size=40),
        st.text(st.sampled_from(" \t\x00\x0b\x0c\x1c\x85\xa0\ufeff"), max_size=3).map(str.encode),
        st.sampled_from([b"[]", b"[{}]", b"42", b'"text"', b"null", b"{}", b"{} trailing"]),
    )  # fmt: skip
    lines = draw(st.lists(line, max_size=12))
    if header is not None:
        lines = [_csv_line(header).encode(), *lines]
    ends = draw(st.lists(st.sampled_from(LINE_ENDS), min_size=1, max_size=3))
    content = b"".join(text + ends[n % len(ends)] for n, text in enumerate(lines))
    open_end, bom = draw(st.booleans()), draw(st.booleans())
    if lines and open_end:  # no line end after the last line
        content = content.removesuffix(ends[(len(lines) - 1) % len(ends)])
    return (BOM if bom else b"") + content


def _header(dataset: LandingDataset) -> st.SearchStrategy[list[str]]:
    """A CSV header: the declared fields in any order, perhaps with a column more, now and
    then without one of them (a file the run must refuse)."""
    fields = list(dataset.fields)
    complete = st.permutations(fields).flatmap(
        lambda order: st.sampled_from([order, [*order, "extra_column"]])
    )
    lacking = st.sampled_from(fields).map(lambda gone: [f for f in fields if f != gone])
    return st.one_of(complete, complete, complete, lacking)


def _csv_line(values: Sequence[str | None]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(["" if v is None else v for v in values])
    return out.getvalue()


@st.composite
def _record_line(
    draw: st.DrawFn,
    dataset: LandingDataset,
    spec: ConformSpec,
    header: Sequence[str] | None,
    odd: bool = False,
) -> bytes:
    """One record as a line (CSV in ``header``'s columns): every field conforms, or
    (``odd``) some have odd values."""
    raw = draw(records(spec))
    fields: dict[str, Any] = {f: raw.get(f) for f in dataset.fields}
    if spec.payload is not None:
        event = json.loads(str(raw[spec.payload]))
        if odd:
            event = {**event, **draw(_odd_fields(list(event)))}
        fields = {**fields, "topic": "t", "partition": 0, "offset": draw(st.integers(0, 10**6)),
                  "timestamp": 1795737766735, "key": event.get("order_id"),
                  spec.payload: json.dumps(event)}  # fmt: skip
    elif odd:
        fields = {**fields, **draw(_odd_fields(list(dataset.fields)))}
    if header is not None:
        fields["extra_column"] = draw(st.text(max_size=4))
        return _csv_line([None if fields[c] is None else str(fields[c]) for c in header]).encode()
    return json.dumps(fields, ensure_ascii=draw(st.booleans())).encode()


def _odd_fields(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    odd = st.one_of(
        _odd_text(),
        _wrong_values(),
        st.none(),
        st.sampled_from(["", " ", "NaN", "-Infinity", "1e400", "-0", "1,5", "12abc", "null",
                         "2026-02-30", "9999-12-31T23:59:59Z", '"quoted"', "a,b", "line\nbreak",
                         "tab\there", "\r"]),
        st.integers(1, 300).map(lambda n: "9" * n),
    )  # fmt: skip
    return st.dictionaries(st.sampled_from(names), odd, min_size=1, max_size=3)
