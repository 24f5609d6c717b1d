"""The Snowflake backfill into Delta through the command line: the real connector against
fakesnow's server, Spark, Delta. A replay of the window leaves every table at its version;
a run killed between an extraction and its commit, then run again, equals one that was not.
"""

from __future__ import annotations

import json
import signal
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.memory.quality import InMemoryReportStore
from adapters.secrets.local import variable
from adapters.snowflake.source import Window
from adapters.spark.engine import SparkEngine
from adapters.spark.quality import SparkGate
from lakecore.daily import run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext
from pipelines import orders as lh
from tests.conftest import ServedSnowflakeSource
from tests.fakes.snowflake import DATABASE, SCHEMA
from tests.integration.runs import LAKECORE, cli_env, content, in_process, kill_at

pytestmark = [pytest.mark.spark, pytest.mark.slow]

FIRST = date(2026, 10, 27)
DAYS = 5
LAST = FIRST + timedelta(days=DAYS - 1)


@pytest.fixture(scope="module")
def legacy(served_snowflake: ServedSnowflakeSource) -> ServedSnowflakeSource:
    served_snowflake.served.reset()
    rows = [
        (f"L-{d:02d}-{n:04d}", f"C-{n % 40}",
         datetime.combine(FIRST + timedelta(days=d), datetime.min.time()) + timedelta(minutes=7 * n),
         ("eur", "usd", "gbp")[n % 3], f"{n % 90}.25", ("PAID", "SHIPPED")[n % 2], f"SKU-{n % 9}")
        for d in range(DAYS)
        for n in range(120)
    ]  # fmt: skip
    rows.append(("L-undated", "C-1", None, "usd", "1.00", "PAID", "SKU-1"))
    served_snowflake.served.insert(rows)
    return served_snowflake


def _env(legacy: ServedSnowflakeSource, lake: Path) -> dict[str, str]:
    connect = legacy.served.connect
    return cli_env(
        lake,
        LAKECORE_SNOWFLAKE_DATABASE=DATABASE,
        LAKECORE_SNOWFLAKE_SCHEMA=SCHEMA,
        LAKECORE_SNOWFLAKE_HOST=connect["host"],
        LAKECORE_SNOWFLAKE_PORT=str(connect["port"]),
        LAKECORE_SNOWFLAKE_PROTOCOL=connect["protocol"],
        **{variable("lakecore/snowflake"): json.dumps(legacy.served.login)},
    )


def _command() -> list[str]:
    return [str(LAKECORE), "backfill", "snowflake", "--from", str(FIRST), "--to", str(LAST)]


def versions(spark: SparkSession, lake: Path) -> dict[str, int | None]:
    store = DeltaTableStore(spark, str(lake))
    return {str(t.id): store.version(t.id) for t in lh.PIPELINE.tables}


@pytest.fixture(scope="module")
def backfilled(
    spark: SparkSession, legacy: ServedSnowflakeSource, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    lake = tmp_path_factory.mktemp("backfill") / "lake"
    done = in_process(spark, _command()[1:], _env(legacy, lake))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "bronze.snowflake_legacy_orders" in done.stdout
    return lake


def test_the_backfill_merges_the_window_into_silver(spark: SparkSession, backfilled: Path) -> None:
    store = DeltaTableStore(spark, str(backfilled))
    orders = store.read(lh.ORDERS)
    assert orders.count() == DAYS * 120
    assert {r[0] for r in orders.select("source").distinct().collect()} == {"snowflake"}
    bronze = store.read(lh.LEGACY_ORDERS_LANDING.bronze)
    # one commit per day, and one for the undated row (quarantined with its reason)
    assert bronze.select("_batch").distinct().count() == DAYS + 1
    undated = store.read(lh.QUARANTINE).where("record LIKE '%L-undated%'").collect()
    assert [r["reason"] for r in undated] == ["rule:not_null(event_ts)"]


def test_a_replayed_window_makes_no_commit(
    spark: SparkSession, legacy: ServedSnowflakeSource, backfilled: Path
) -> None:
    before = versions(spark, backfilled)
    done = in_process(spark, _command()[1:], _env(legacy, backfilled))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nothing new" in done.stdout
    assert versions(spark, backfilled) == before


def _in_process(spark: SparkSession, legacy: ServedSnowflakeSource, lake: Path) -> None:
    run_daily(
        pipeline=lh.PIPELINE,
        landing=None,
        store=DeltaTableStore(spark, str(lake)),
        engine=SparkEngine(spark),
        gate=Gate(SparkGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext("rerun", LAST, datetime.now(UTC).replace(tzinfo=None)),
        progress=lambda step, **facts: None,
        sources={"snowflake": legacy.source(Window(FIRST, LAST))},
    )


def test_a_backfill_killed_before_a_commit_is_repaired_by_running_again(
    spark: SparkSession, legacy: ServedSnowflakeSource, backfilled: Path, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    # killed once day 3 is read, before its commit
    assert kill_at(_command(), _env(legacy, lake), "source.extracted", 3) == -signal.SIGKILL
    _in_process(spark, legacy, lake)
    assert content(spark, lake) == content(spark, backfilled)
