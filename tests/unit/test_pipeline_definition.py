"""A pipeline that does not hold together is a one-line ConfigurationError when it is made,
or when the command line loads it (exit 2), before any data is read."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from adapters.memory import InMemoryEngine, InMemoryGate, InMemoryReportStore, InMemoryTableStore
from adapters.memory.landing import InMemoryLandingSource
from entrypoints.pipelines import load_pipeline
from lakecore import Gate, NotNull, RuleSuite, RunContext, TableId, run_daily
from lakecore.errors import ConfigurationError
from pipelines import orders as lh


def _remade(**changes: object) -> None:
    dataclasses.replace(lh.PIPELINE, **changes)


def test_a_suite_for_an_undeclared_table_is_refused() -> None:
    ghost = TableId.parse("gold.ghost")
    with pytest.raises(
        ConfigurationError, match=r"gold\.ghost, which the pipeline does not declare"
    ):
        _remade(suites={**lh.SUITES, ghost: RuleSuite(ghost, (NotNull("x"),))})


def test_a_suite_naming_an_unknown_column_is_refused() -> None:
    suite = RuleSuite(lh.ORDERS.id, (NotNull("no_such_column"),))
    with pytest.raises(ConfigurationError, match="unknown column 'no_such_column'"):
        _remade(suites={**lh.SUITES, lh.ORDERS.id: suite})


def test_a_gold_transform_reading_an_undeclared_table_is_refused() -> None:
    class Reads:
        inputs = (lh.ORDERS, lh.DIM_FX)  # gold.dim_fx is not a silver table of the pipeline
        outputs = (lh.FACT_ORDERS,)
        build = lh.OrdersGold.build

    with pytest.raises(ConfigurationError, match=r"reads gold\.dim_fx"):
        _remade(gold=Reads())


def test_a_merge_naming_an_unknown_column_is_refused() -> None:
    merges = {**lh.SILVER_MERGE, lh.ORDERS.id: dataclasses.replace(
        lh.SILVER_MERGE[lh.ORDERS.id], order_by=("nope",))}  # fmt: skip
    with pytest.raises(ConfigurationError, match=r"unknown columns \['nope'\]"):
        _remade(merges=merges)


def test_a_gate_suite_for_another_pipeline_fails_before_reading() -> None:
    ghost = TableId.parse("silver.ghost")
    gate = Gate(InMemoryGate(), InMemoryReportStore(), {ghost: RuleSuite(ghost, ())})
    store = InMemoryTableStore()
    with pytest.raises(ConfigurationError, match=r"silver\.ghost"):
        run_daily(
            pipeline=lh.PIPELINE, landing=InMemoryLandingSource({}), store=store,
            engine=InMemoryEngine(), gate=gate, run=lh_run(), progress=lambda s, **f: None,
        )  # fmt: skip
    assert not any(store.exists(t.id) for t in lh.PIPELINE.tables)


def lh_run() -> RunContext:
    return RunContext("r", date(2026, 11, 27), datetime(2026, 11, 27))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_colon", "expected module:attribute"),
        ("no_such_module_x:PIPELINE", "cannot import no_such_module_x"),
        ("pipelines.orders:NOPE", "pipelines.orders.NOPE is missing"),
        ("pipelines.orders:ORDERS", "is a TableSpec, not a Pipeline"),
    ],
)
def test_loading_a_pipeline_names_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_pipeline(spec)


def test_the_cli_refuses_a_broken_pipeline_in_one_line_before_spark(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(
        "import dataclasses\n"
        "from lakecore import NotNull, RuleSuite\n"
        "from pipelines import orders\n"
        "PIPELINE = dataclasses.replace(orders.PIPELINE, suites={orders.ORDERS.id: "
        "RuleSuite(orders.ORDERS.id, (NotNull('colour'),))})\n"
    )
    landing = tmp_path / "landing"
    landing.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "run", "daily", "--pipeline", "broken:PIPELINE",
         "--landing", str(landing)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "LAKECORE_LAKE_ROOT": str(tmp_path / "lake")},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "lakecore: error: silver.orders: rule not_null(colour) names unknown column 'colour'"
    ]
    assert not (tmp_path / "lake").exists()
