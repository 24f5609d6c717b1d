"""``SnowflakeSource`` with the real connector against fakesnow's server, into the memory
lake: one commit per day, replays and overlapping windows commit nothing for unchanged
days, undated rows are quarantined rather than lost, drifted columns stop the run first."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryReportStore,
    InMemoryTableStore,
)
from adapters.snowflake.source import SnowflakeSource, Window, identifier
from lakecore.daily import DailyReport, run_daily
from lakecore.errors import ConfigurationError, SchemaMismatch
from lakecore.gate import Gate
from lakecore.ports import RunContext
from pipelines import orders as lh
from tests.conftest import ServedSnowflakeSource
from tests.fakes.snowflake import DATABASE, SCHEMA, TABLE

BRONZE = lh.LEGACY_ORDERS_LANDING.bronze
DAYS = [date(2026, 10, 28), date(2026, 10, 29), date(2026, 10, 30), date(2026, 10, 31)]


def _order(
    n: int, day: date, hour: int = 9, amount: str = "10.00", ccy: str = "eur"
) -> tuple[Any, ...]:
    return (f"L-{n:05d}", f"C-{n % 7}", datetime(day.year, day.month, day.day, hour, n % 60), ccy,
            amount, "PAID", f"SKU-{n % 5}")  # fmt: skip


def _seed(legacy: ServedSnowflakeSource, per_day: int = 5) -> None:
    legacy.served.insert(
        [_order(i * 100 + j, day) for i, day in enumerate(DAYS) for j in range(per_day)]
    )


def _run(store: InMemoryTableStore, source: SnowflakeSource, n: int = 1) -> DailyReport:
    return run_daily(
        pipeline=lh.PIPELINE,
        landing=None,
        store=store,
        engine=InMemoryEngine(),
        gate=Gate(InMemoryGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext(f"backfill-{n}", date(2026, 11, 1), datetime(2026, 11, 1, 6, n)),
        progress=lambda step, **facts: None,
        sources={"snowflake": source},
    )


def _bronze_writes(report: DailyReport) -> list[int | None]:
    return [w.version for w in report.writes if w.table == BRONZE.id]


def test_a_window_is_pulled_a_commit_per_day_as_text(legacy: ServedSnowflakeSource) -> None:
    _seed(legacy)
    chunks = list(legacy.source(Window(DAYS[0], DAYS[2])).extract(lh.LEGACY_ORDERS_LANDING, None))
    assert [c.name for c in chunks] == [f"snowflake/LEGACY_ORDERS/{d}" for d in DAYS[:3]]
    assert all(c.replayable and len(c.records) == 5 for c in chunks)
    first = chunks[0].records[0]
    assert first == {"ORDER_NO": "L-00000", "CUST_ID": "C-0", "ORDER_TS": "2026-10-28 09:00:00",
                     "CCY": "eur", "AMT": "10.00", "ORDER_STATUS": "PAID", "ITEM_CODE": "SKU-0"}  # fmt: skip


def test_a_backfill_merges_into_silver_and_a_replay_commits_nothing(
    legacy: ServedSnowflakeSource,
) -> None:
    _seed(legacy)
    store = InMemoryTableStore()
    first = _run(store, legacy.source(Window(DAYS[0], DAYS[2])))
    assert len(_bronze_writes(first)) == 3
    orders = store.read(lh.ORDERS)
    assert len(orders) == 15
    assert {r["source"] for r in orders} == {"snowflake"}
    versions = {t.id: store.version(t.id) for t in lh.PIPELINE.tables}

    replay = _run(store, legacy.source(Window(DAYS[0], DAYS[2])), 2)
    assert not replay.changed
    assert {t.id: store.version(t.id) for t in lh.PIPELINE.tables} == versions
    [pulled] = replay.sources
    assert (pulled.extracted, pulled.repeated, pulled.appended) == (15, 15, 0)

    overlapping = _run(store, legacy.source(Window(DAYS[1], DAYS[3])), 3)
    assert len(_bronze_writes(overlapping)) == 1  # only the day not pulled before
    assert len(store.read(lh.ORDERS)) == 20
    assert len(store.read(BRONZE)) == 20


def test_a_corrected_day_is_pulled_again_and_the_correction_merged(
    legacy: ServedSnowflakeSource,
) -> None:
    _seed(legacy)
    store = InMemoryTableStore()
    _run(store, legacy.source(Window(DAYS[0], DAYS[0])))
    legacy.served.sql(
        f"UPDATE {DATABASE}.{SCHEMA}.{TABLE} SET ORDER_STATUS = 'CANCELLED' WHERE ORDER_NO = 'L-00001'"
    )
    again = _run(store, legacy.source(Window(DAYS[0], DAYS[0])), 2)
    assert len(_bronze_writes(again)) == 1
    statuses = {r["order_id"]: r["status"] for r in store.read(lh.ORDERS)}
    assert statuses["L-00001"] == "CANCELLED"  # the later pull wins, not the greater text
    assert len(statuses) == 5


def test_undated_rows_are_quarantined_with_a_reason_not_lost(legacy: ServedSnowflakeSource) -> None:
    _seed(legacy, per_day=2)
    legacy.served.insert([("L-99999", "C-1", None, "usd", "5.00", "PAID", "SKU-1")])
    store = InMemoryTableStore()
    _run(store, legacy.source(Window(DAYS[0], DAYS[3])))
    [undated] = [r for r in store.read(BRONZE) if r["ORDER_NO"] == "L-99999"]
    assert undated["ORDER_TS"] is None  # not fakesnow's 1970-01-01
    assert undated["_source_file"] == f"snowflake/{TABLE}/undated"
    quarantined = [r for r in store.read(lh.QUARANTINE) if "L-99999" in r["record"]]
    assert [r["reason"] for r in quarantined] == ["rule:not_null(event_ts)"]
    assert len(store.read(lh.ORDERS)) == 8


def test_a_daily_run_pulls_from_its_cursor_less_the_lookback(legacy: ServedSnowflakeSource) -> None:
    _seed(legacy)
    store = InMemoryTableStore()
    _run(store, legacy.source())  # no window: from the first day the table holds
    assert len(store.read(BRONZE)) == 20
    legacy.served.insert([_order(9000 + j, date(2026, 11, 1)) for j in range(3)])
    later = _run(store, legacy.source(), 2)
    assert len(_bronze_writes(later)) == 1
    [pulled] = later.sources
    # from 3 days before the cursor (10-31): 10-28 .. 11-01, the unchanged days skipped
    assert (pulled.extracted, pulled.repeated, pulled.appended) == (4 * 5 + 3, 4 * 5, 3)
    assert len(store.read(lh.ORDERS)) == 23


def test_a_dropped_column_stops_the_run_before_anything_is_written(
    legacy: ServedSnowflakeSource,
) -> None:
    _seed(legacy)
    legacy.served.sql(f"ALTER TABLE {DATABASE}.{SCHEMA}.{TABLE} DROP COLUMN ITEM_CODE")
    store = InMemoryTableStore()
    with pytest.raises(
        SchemaMismatch, match=r"^snowflake LEGACY_ORDERS: field ITEM_CODE is gone from the object$"
    ):
        _run(store, legacy.source(Window(DAYS[0], DAYS[3])))
    assert not store.exists(BRONZE.id)


def test_a_column_whose_type_changed_stops_the_run(legacy: ServedSnowflakeSource) -> None:
    _seed(legacy)
    [chunk, *_] = legacy.source(Window(DAYS[0], DAYS[0])).extract(lh.LEGACY_ORDERS_LANDING, None)
    legacy.served.sql(f"ALTER TABLE {DATABASE}.{SCHEMA}.{TABLE} DROP COLUMN AMT")
    legacy.served.sql(f"ALTER TABLE {DATABASE}.{SCHEMA}.{TABLE} ADD COLUMN AMT VARCHAR")
    with pytest.raises(SchemaMismatch, match="field AMT changed type from NUMBER to TEXT"):
        list(legacy.source(Window(DAYS[0], DAYS[0])).extract(lh.LEGACY_ORDERS_LANDING, chunk.state))


@pytest.mark.parametrize("bad", ['ORDERS"; DROP TABLE X; --', "a b", "", "1X", 'A"B'])
def test_identifiers_are_checked_before_they_reach_sql(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="not a Snowflake identifier"):
        identifier(bad)


def test_a_login_without_a_password_names_the_secret(legacy: ServedSnowflakeSource) -> None:
    from adapters.secrets.local import LocalSecretStore, variable

    secrets = LocalSecretStore({variable("lakecore/snowflake"): '{"account": "a", "user": "u"}'})
    source = SnowflakeSource(legacy.config(), secrets, Window(DAYS[0], DAYS[0]))
    with pytest.raises(
        ConfigurationError, match="secret lakecore/snowflake needs account, user and password"
    ):
        list(source.extract(lh.LEGACY_ORDERS_LANDING, None))


def test_a_login_probes_no_cloud_metadata_endpoint(
    legacy: ServedSnowflakeSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connector's platform telemetry asks EC2, Azure and GCP metadata endpoints at each
    login unless told not to; where those names do not resolve, a login waited ~5 s."""
    import snowflake.connector.platform_detection as detection

    probed: list[str] = []
    for probe in ("is_ec2_instance", "has_aws_identity", "is_azure_vm", "is_gce_vm",
                  "has_azure_managed_identity", "has_gcp_identity"):  # fmt: skip
        monkeypatch.setattr(detection, probe, lambda *_, name=probe: probed.append(name))
    _seed(legacy, per_day=1)
    chunks = list(legacy.source(Window(DAYS[0], DAYS[0])).extract(lh.LEGACY_ORDERS_LANDING, None))
    assert [len(c.records) for c in chunks] == [1]
    assert probed == []


def test_a_column_the_table_gains_reaches_bronze_and_silver_is_unchanged(
    legacy: ServedSnowflakeSource,
) -> None:
    _seed(legacy, per_day=2)
    store = InMemoryTableStore()
    _run(store, legacy.source(Window(DAYS[0], DAYS[0])))
    legacy.served.sql(f"ALTER TABLE {DATABASE}.{SCHEMA}.{TABLE} ADD COLUMN CHANNEL VARCHAR")
    legacy.served.sql(f"UPDATE {DATABASE}.{SCHEMA}.{TABLE} SET CHANNEL = 'web'")
    _run(store, legacy.source(Window(DAYS[1], DAYS[1])), 2)
    rows = store.read(BRONZE)
    assert sorted(str(r["CHANNEL"]) for r in rows) == ["None", "None", "web", "web"]
    assert "CHANNEL" not in store.read(lh.ORDERS)[0]
    assert len(store.read(lh.ORDERS)) == 4
