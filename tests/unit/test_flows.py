"""Flows as data: the standard flows of the orders pipeline, their order, the steps a
deployment without a system leaves out, and definitions that do not hold."""

from __future__ import annotations

import pytest

from lakecore.errors import ConfigurationError
from lakecore.flows import Flow, Step, standard_flows
from pipelines import orders as lh

SOURCES = ("extract_salesforce", "extract_snowflake", "ingest_landing", "stream_orders")


def test_the_daily_batch_pulls_every_source_then_silver_gold_and_the_catalog() -> None:
    daily, catalog, weekly = standard_flows(lh.PIPELINE)

    assert (daily.name, daily.schedule) == ("daily_batch", "0 2 * * *")
    assert [s.name for s in daily.order()] == [*SOURCES, "silver", "gold", "register"]
    steps = {s.name: s for s in daily.steps}
    assert steps["silver"].after == SOURCES
    assert (steps["gold"].after, steps["register"].after) == (("silver",), ("gold",))
    assert steps["stream_orders"].arguments == ("orders", "--available-now")
    assert steps["ingest_landing"].filled({"date": "2026-11-30", "landing": "s3://b/landing"}) == (
        "--stage", "landing", "--landing", "s3://b/landing", "--date", "2026-11-30",
    )  # fmt: skip
    assert [(s.name, s.job, s.after) for s in catalog.order()] == [
        ("register", "register", ()),
        ("quality_gate", "dq", ("register",)),
    ]
    assert (catalog.schedule, weekly.schedule) == ("0 6 * * *", "0 4 * * 0")
    assert [s.job for s in weekly.steps] == ["housekeeping"]


def test_a_deployment_without_a_system_has_no_step_for_it() -> None:
    daily = standard_flows(lh.PIPELINE)[0]

    local = daily.for_systems(frozenset())
    assert [s.name for s in local.order()] == ["ingest_landing", "silver", "gold", "register"]
    assert {s.name: s for s in local.steps}["silver"].after == ("ingest_landing",)
    assert daily.for_systems(frozenset({"salesforce", "snowflake", "kafka"})) == daily


def test_a_dropped_step_hands_its_place_to_what_it_waited_for() -> None:
    flow = Flow("f", "0 1 * * *", (
        Step("a", "daily"),
        Step("pull", "extract", ("x",), after=("a",), needs="x"),
        Step("b", "daily", after=("pull",)),
    ))  # fmt: skip

    assert {s.name: s.after for s in flow.for_systems(frozenset()).steps} == {
        "a": (),
        "b": ("a",),
    }


@pytest.mark.parametrize(
    ("steps", "schedule", "message"),
    [
        ((Step("a", "daily"), Step("a", "dq")), "0 2 * * *", "two steps share a name"),
        ((Step("a", "daily", after=("nope",)),), "0 2 * * *", "a after nope"),
        (
            (Step("a", "daily", after=("b",)), Step("b", "dq", after=("a",))),
            "0 2 * * *",
            "wait for what never runs",
        ),
        ((Step("a", "daily"),), "@daily", "not a five-field cron"),
        ((Step("a", "daily", ("--date", "{day}")),), "0 2 * * *", "unknown placeholders"),
        ((Step("A b", "daily"),), "0 2 * * *", "invalid names"),
    ],
)
def test_a_flow_that_does_not_hold_is_a_configuration_error(
    steps: tuple[Step, ...], schedule: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Flow("f", schedule, steps)
