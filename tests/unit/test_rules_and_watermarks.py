from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import InMemoryStateStore
from lakecore.conform import conform_record, parse
from lakecore.errors import ConfigurationError
from lakecore.rules import InSet, NotNull, Pattern, Range, RuleSuite, Unique, violates
from lakecore.schema import TIMESTAMP, TableId, decimal
from lakecore.watermark import Watermark
from pipelines import orders as lh


@pytest.mark.parametrize(
    ("rule", "value", "broken"),
    [
        (NotNull("x"), None, True),
        (NotNull("x"), 0, False),
        (Range("x", min=0), Decimal("-0.01"), True),
        (Range("x", min=0), Decimal(0), False),
        (Range("x", min=0, min_inclusive=False), 0, True),
        (Range("x", min=0), None, False),
        (InSet("x", ("A", "B")), "C", True),
        (InSet("x", ("A", "B")), "A", False),
        (Pattern("x", r"^[A-Z]{3}$"), "usd", True),
        (Pattern("x", r"^[A-Z]{3}$"), "USD", False),
        # a final $ is the end of the value, not before a last line end (Python's and Java's)
        (Pattern("x", r"^[A-Z]{3}$"), "USD\n", True),
        (Pattern("x", r"^[A-Z]{3}$"), "USD\r\n", True),
        (Pattern("x", r"^[A-Z]{3}$"), "USD\x85", True),
        (Pattern("x", r"^a\$"), "a$", False),
    ],
)
def test_record_rule_semantics(rule: object, value: object, broken: bool) -> None:
    assert violates(rule, {"x": value}) is broken  # type: ignore[arg-type]


def test_a_rule_on_an_unknown_column_is_a_configuration_error() -> None:
    suite = RuleSuite(lh.ORDERS.id, (Unique(("order_id", "no_such_column")),))
    with pytest.raises(ConfigurationError, match="unknown column"):
        suite.validate(lh.ORDERS)


def test_every_shipped_suite_is_valid() -> None:
    specs = {t.id: t for t in lh.TABLES}
    for table, suite in lh.SUITES.items():
        suite.validate(specs[table])


@pytest.mark.parametrize(
    "text", ["../etc", "silver", "gold.", "silver.Orders", "x.orders", "silver.a/b"]
)
def test_table_names_cannot_escape_the_lake(text: str) -> None:
    with pytest.raises(ConfigurationError):
        TableId.parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-27T10:15:30.000+0000", datetime(2026, 11, 27, 10, 15, 30)),
        ("2026-11-27T11:15:30+01:00", datetime(2026, 11, 27, 10, 15, 30)),
        ("2026-11-27 10:15:30", datetime(2026, 11, 27, 10, 15, 30)),
        ("1795774530000", datetime(2026, 11, 27, 10, 15, 30)),
        ("11/27/2026 10:15:30", datetime(2026, 11, 27, 10, 15, 30)),
    ],
)
def test_mixed_timestamp_formats_parse_to_utc(text: str, expected: datetime) -> None:
    assert parse(text, TIMESTAMP) == (expected, True)


@pytest.mark.parametrize("text", ["2026-11-27", "yesterday", "2026-13-45T00:00:00Z"])
def test_unparseable_timestamps_are_reported(text: str) -> None:
    assert parse(text, TIMESTAMP) == (None, False)


def test_decimals_round_half_up_and_overflow_is_unparseable() -> None:
    assert parse("12.345", decimal(18, 2)) == (Decimal("12.35"), True)
    assert parse("1" * 20, decimal(18, 2)) == (None, False)


def test_a_malformed_kafka_value_is_quarantined_with_its_reason() -> None:
    spec = next(s for s in lh.CONFORM if s.payload is not None)
    _, reasons = conform_record({"value": "{not json", "_corrupt_record": None}, spec)
    assert reasons == ["malformed_record"]


@given(st.lists(st.none() | st.integers(0, 10_000), max_size=20))
def test_watermarks_only_move_forward(offsets: list[int | None]) -> None:
    store = InMemoryStateStore()
    start = datetime(2026, 1, 1)
    seen: list[datetime] = []
    for offset in offsets:
        candidate = None if offset is None else start + timedelta(minutes=offset)
        store.advance(Watermark("src", candidate))
        if candidate is not None:
            seen.append(candidate)
        assert store.watermark("src").value == (max(seen) if seen else None)
