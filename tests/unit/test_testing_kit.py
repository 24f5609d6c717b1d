"""lakecore.testing's strategies, on the orders pipeline's own definitions: the records they
build conform (or are quarantined for the chosen rule) exactly as the pipeline says."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lakecore.conform import broken, conform_record
from lakecore.rules import broken_rules
from lakecore.testing import bad_records, breaking, records, rows
from pipelines import orders as lh

SPECS = {str(spec.source): spec for spec in lh.CONFORM}


@pytest.mark.parametrize("source", sorted(SPECS))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_records_conform_and_bad_records_are_quarantined_for_their_rule(
    source: str, data: st.DataObject
) -> None:
    spec = SPECS[source]
    raw = data.draw(records(spec))
    row, reasons = conform_record(raw, spec)
    assert reasons == []
    assert set(spec.target.business_columns) <= set(row)
    rule = data.draw(st.sampled_from(spec.rules))
    bad: dict[str, Any] = data.draw(bad_records(spec, rule))
    assert broken(rule.name) in conform_record(bad, spec)[1]


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_rows_keep_every_rule_and_breaking_rows_break_only_the_chosen_one(
    data: st.DataObject,
) -> None:
    spec = SPECS["bronze.kafka_orders_events"]
    assert broken_rules(spec.rules, data.draw(rows(spec.target, spec.rules))) == []
    rule = data.draw(st.sampled_from(spec.rules))
    assert broken_rules(spec.rules, data.draw(breaking(spec.target, spec.rules, rule))) == [rule]
