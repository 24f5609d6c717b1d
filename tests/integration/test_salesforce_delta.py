"""Salesforce into Delta: the real source, the real client, the HTTPS fake, Spark and Delta.

A run pulls accounts and leads (with tombstones) through bronze into silver. Killed (SIGKILL,
the whole process group) between an extraction and its commit, after some chunks were
committed, or during the silver MERGEs, then run again, the lake holds what an
uninterrupted run leaves.
"""

from __future__ import annotations

import json
import signal
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.memory.quality import InMemoryReportStore
from adapters.salesforce.source import SalesforceSource
from adapters.secrets.local import variable
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from lakecore.daily import run_daily
from lakecore.gate import Gate
from lakecore.ports import RunContext
from lakecore.testing import Content
from pipelines import orders as lh
from tests.conftest import ServedSalesforce
from tests.integration.runs import LAKECORE, cli_env, content, kill_at

pytestmark = [pytest.mark.spark, pytest.mark.slow]

DAY = date(2026, 11, 2)
CHUNK = 60
KILL_POINTS = [
    ("source.extracted", 1),  # records read, nothing committed
    ("source.chunk", 3),  # some chunks of accounts committed, the rest not
    ("silver.merged", 1),  # one silver table consumed its batch, the other not
]


@pytest.fixture(scope="module")
def org(served_salesforce: ServedSalesforce) -> ServedSalesforce:
    fake = served_salesforce.fake
    fake.reset()
    fake.page_size = 25
    accounts = [
        fake.upsert("Account", {"Name": f"Account {i}", "BillingCountry": "de"}) for i in range(230)
    ]
    fake.tick(2)
    for i in range(90):
        fake.upsert("Lead", {"LastName": f"Lead {i}", "Company": "ACME"})
    fake.tick(3)
    for gone in accounts[:7]:
        fake.delete("Account", gone)
    fake.upsert("Account", {"Name": "renamed"}, record_id=accounts[10])
    return served_salesforce


def _run_in_process(spark: SparkSession, org: ServedSalesforce, landing: Path, lake: Path) -> None:
    source = SalesforceSource(org.config(chunk_records=CHUNK), org.secrets())
    run_daily(
        pipeline=lh.PIPELINE,
        landing=SparkFileLanding(spark, landing),
        store=DeltaTableStore(spark, str(lake)),
        engine=SparkEngine(spark),
        gate=Gate(SparkGate(), InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0),
        run=RunContext("rerun", DAY, datetime.now(UTC).replace(tzinfo=None)),
        progress=lambda step, **facts: None,
        sources={"salesforce": source},
    )


#: Pulled records are not compared by the name of the chunk they came in.
IGNORED = ("_source_file", "_source_checksum")


@pytest.fixture(scope="module")
def reference_lake(
    spark: SparkSession, org: ServedSalesforce, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    landing = tmp_path_factory.mktemp("landing")
    lake = tmp_path_factory.mktemp("reference") / "lake"
    _run_in_process(spark, org, landing, lake)
    return lake


@pytest.fixture(scope="module")
def uninterrupted(spark: SparkSession, reference_lake: Path) -> Content:
    return content(spark, reference_lake, IGNORED)


def test_silver_holds_the_org_newest_versions_and_tombstones(
    spark: SparkSession, org: ServedSalesforce, reference_lake: Path
) -> None:
    store = DeltaTableStore(spark, str(reference_lake))
    accounts = {r["account_id"]: r for r in store.read(lh.ACCOUNTS).collect()}
    org_accounts = org.fake.current("Account")
    assert set(accounts) == set(org_accounts)
    assert len(accounts) == 230
    for record_id, record in org_accounts.items():
        assert accounts[record_id]["name"] == record["Name"]
        assert accounts[record_id]["is_deleted"] is record["IsDeleted"]
        assert accounts[record_id]["billing_country"] == "DE"
    assert sum(1 for row in accounts.values() if row["is_deleted"]) == 7
    assert store.read(lh.LEADS).count() == 90
    # one run sees each record once, at its version then
    bronze = store.read(lh.ACCOUNTS_LANDING.bronze)
    assert bronze.count() == bronze.select("Id", "SystemModstamp").distinct().count() == 230


def kill_daily_at(org: ServedSalesforce, landing: Path, lake: Path, event: str, n: int) -> int:
    secret = json.dumps({"client_id": org.fake.client_id, "client_secret": org.fake.client_secret})
    env = cli_env(
        lake,
        LAKECORE_SALESFORCE_LOGIN_URL=org.url,
        LAKECORE_SALESFORCE_CA_BUNDLE=str(org.ca),
        LAKECORE_SALESFORCE_CHUNK_RECORDS=str(CHUNK),
        **{variable("lakecore/salesforce"): secret},
    )
    command = [str(LAKECORE), "run", "daily", "--landing", str(landing), "--date", str(DAY)]
    return kill_at(command, env, event, n)


@pytest.mark.parametrize(("event", "occurrence"), KILL_POINTS)
def test_a_run_killed_while_pulling_is_repaired_by_running_again(
    spark: SparkSession,
    org: ServedSalesforce,
    uninterrupted: Content,
    tmp_path: Path,
    event: str,
    occurrence: int,
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    lake = tmp_path / "lake"
    code = kill_daily_at(org, landing, lake, event, occurrence)
    assert code == -signal.SIGKILL, f"the run ended by itself ({code}) before {event} #{occurrence}"
    _run_in_process(spark, org, landing, lake)
    assert content(spark, lake, IGNORED) == uninterrupted
