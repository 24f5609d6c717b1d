"""``SalesforceSource`` against the HTTPS fake with the real simple-salesforce client:
errors, retries, credentials, safe SOQL, field drift, Bulk API 2.0 first loads."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.memory import InMemoryEngine, InMemoryTableStore
from adapters.memory.faults import CrashingTableStore, SimulatedCrash
from adapters.salesforce import soql
from adapters.salesforce.source import SalesforceSource
from lakecore.errors import ConfigurationError, SchemaMismatch, TerminalError, TransientError
from lakecore.extract import SourceIntake, pull
from lakecore.ports import Extracted, RunContext, TableStore
from pipelines import orders as lh
from tests.conftest import FAST_RETRIES, ServedSalesforce

ACCOUNTS = lh.ACCOUNTS_LANDING


def _accounts(salesforce: ServedSalesforce, n: int) -> list[str]:
    ids = []
    for i in range(n):
        ids.append(
            salesforce.fake.upsert("Account", {"Name": f"account {i}", "Industry": "Energy"})
        )
        if i % 3 == 0:
            salesforce.fake.tick(0.5)
    return ids


def _chunks(source: SalesforceSource, state: str | None = None) -> list[Extracted]:
    return list(source.extract(ACCOUNTS, state))


def _pull(source: SalesforceSource, store: TableStore[Any], batch: int = 1) -> SourceIntake:
    run = RunContext(f"run-{batch}", date(2026, 11, 1), datetime(2026, 11, 1, 6), batch)
    return pull(ACCOUNTS, source, pipeline=lh.PIPELINE, store=store, engine=InMemoryEngine(),
                run=run, progress=lambda step, **facts: None)  # fmt: skip


# --- records ----------------------------------------------------------------------------------


def test_records_arrive_as_text_with_tombstones_and_one_datetime_form(
    salesforce: ServedSalesforce,
) -> None:
    kept, gone = _accounts(salesforce, 2)
    salesforce.fake.tick(1)
    salesforce.fake.delete("Account", gone)
    [chunk] = _chunks(salesforce.source())
    by_id = {r["Id"]: r for r in chunk.records}
    assert set(by_id) == {kept, gone}
    assert by_id[gone]["IsDeleted"] == "true"
    assert by_id[kept]["IsDeleted"] == "false"
    assert by_id[kept]["BillingCountry"] is None
    assert by_id[kept]["SystemModstamp"] == "2026-11-01T00:00:00.000+0000"
    assert set(by_id[kept]) == set(ACCOUNTS.fields)
    state = json.loads(chunk.state)
    assert state["cursor"] == {"Id": gone, "SystemModstamp": by_id[gone]["SystemModstamp"]}
    assert chunk.overlap is None  # a first extraction has nothing to repeat


def test_an_incremental_run_reads_back_the_lookback_at_whole_seconds(
    salesforce: ServedSalesforce,
) -> None:
    _accounts(salesforce, 3)
    [first] = _chunks(salesforce.source())
    salesforce.fake.tick(600)
    new = salesforce.fake.upsert("Account", {"Name": "new"})
    [second] = _chunks(salesforce.source(lookback=timedelta(minutes=10)), first.state)
    assert second.overlap is not None
    assert second.overlap.after == "2026-10-31T23:50:00"
    assert [r["Id"] for r in second.records][-1] == new
    assert "WHERE SystemModstamp >= 2026-10-31T23:50:00Z" in salesforce.fake.queries[-1]


def test_chunks_carry_the_cursor_of_their_last_record(salesforce: ServedSalesforce) -> None:
    salesforce.fake.page_size = 2
    _accounts(salesforce, 7)
    chunks = _chunks(salesforce.source(chunk_records=3))
    assert [len(c.records) for c in chunks] == [4, 3]  # pages of 2, a chunk once >= 3
    for chunk in chunks:
        last = chunk.records[-1]
        assert json.loads(chunk.state)["cursor"] == {
            "Id": last["Id"],
            "SystemModstamp": last["SystemModstamp"],
        }
    assert {c.total for c in chunks} == {7}


# --- failures ---------------------------------------------------------------------------------


def test_transient_failures_are_retried(salesforce: ServedSalesforce) -> None:
    _accounts(salesforce, 3)
    salesforce.fake.faults.extend(["503", "limit", "reset", "500"])
    [chunk] = _chunks(salesforce.source(retries=replace(FAST_RETRIES, attempts=5)))
    assert len(chunk.records) == 3


def test_retries_that_run_out_end_in_a_transient_error(salesforce: ServedSalesforce) -> None:
    _accounts(salesforce, 1)
    salesforce.fake.faults.extend(["503"] * 10)
    with pytest.raises(TransientError) as raised:
        _chunks(salesforce.source(retries=replace(FAST_RETRIES, attempts=3)))
    assert (
        str(raised.value)
        == "salesforce still unavailable after 3 attempts: HTTP 503 SERVER_UNAVAILABLE"
    )
    assert raised.value.exit_code == 75
    assert len(salesforce.fake.faults) == 7


def test_an_expired_session_is_renewed(salesforce: ServedSalesforce) -> None:
    salesforce.fake.page_size = 1
    _accounts(salesforce, 3)
    salesforce.fake.faults.append("expire")
    assert sum(len(c.records) for c in _chunks(salesforce.source())) == 3
    assert salesforce.fake.requests.count("POST /services/oauth2/token") == 2


def test_a_wrong_credential_is_one_terminal_line_without_the_secret(
    salesforce: ServedSalesforce,
) -> None:
    wrong = "not-the-secret-0123456789"
    source = SalesforceSource(
        salesforce.config(),
        salesforce.secrets(client_id=salesforce.fake.client_id, client_secret=wrong),
        sleep=lambda _: None,
    )
    with pytest.raises(TerminalError) as raised:
        _chunks(source)
    message = str(raised.value)
    assert message == "salesforce refused the credential in lakecore/salesforce (invalid_client)"
    assert wrong not in message
    assert "\n" not in message


def test_a_missing_credential_names_the_secret_not_a_value(salesforce: ServedSalesforce) -> None:
    source = SalesforceSource(
        salesforce.config(), salesforce.secrets(client_id="x"), sleep=lambda _: None
    )
    with pytest.raises(ConfigurationError, match="secret lakecore/salesforce lacks client_secret"):
        _chunks(source)


# --- field drift ------------------------------------------------------------------------------


def test_a_declared_field_that_is_gone_fails_before_any_record(
    salesforce: ServedSalesforce,
) -> None:
    _accounts(salesforce, 2)
    fields = salesforce.fake.fields["Account"]
    saved = dict(fields)
    try:
        del fields["Industry"]
        with pytest.raises(
            SchemaMismatch, match=r"^salesforce Account: field Industry is gone from the object$"
        ):
            _chunks(salesforce.source())
    finally:
        fields.clear()
        fields.update(saved)
    assert not any("query" in r for r in salesforce.fake.requests)


def test_a_field_whose_type_changed_fails_before_any_record(salesforce: ServedSalesforce) -> None:
    _accounts(salesforce, 2)
    [chunk] = _chunks(salesforce.source())
    fields = salesforce.fake.fields["Account"]
    try:
        fields["Industry"] = "double"
        with pytest.raises(
            SchemaMismatch, match="field Industry changed type from string to double"
        ):
            _chunks(salesforce.source(), chunk.state)
    finally:
        fields["Industry"] = "string"


# --- SOQL -------------------------------------------------------------------------------------


@given(st.text(max_size=30))
def test_a_name_is_an_api_name_or_refused(text: str) -> None:
    identifier = re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", text) is not None
    if not identifier or "___" in text or text.startswith("_"):
        with pytest.raises(ConfigurationError, match=r"^not a Salesforce field name: .*$"):
            soql.name(text)
    elif "__" not in text:
        assert soql.name(text) == text


@pytest.mark.parametrize(
    "bad", ["Name, (SELECT Id FROM Contacts)", "Id FROM User --", "Name__c'", "x y", "", "__c"]
)
def test_injected_names_are_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        soql.select("Account", ["Id", bad], known={"Id", bad})


def test_an_unknown_field_is_refused_before_a_query_is_sent() -> None:
    with pytest.raises(ConfigurationError, match="Salesforce has no field 'Secret__c'"):
        soql.select("Account", ["Id", "Secret__c"], known={"Id"})


# --- Bulk API 2.0 -------------------------------------------------------------------------------


def test_a_large_first_load_runs_as_a_bulk_job_with_rest_identical_records(
    salesforce: ServedSalesforce,
) -> None:
    ids = _accounts(salesforce, 9)
    salesforce.fake.delete("Account", ids[0])
    rest = {r["Id"]: r for c in _chunks(salesforce.source()) for r in c.records}
    bulk_chunks = _chunks(salesforce.source(bulk_threshold=5, chunk_records=4))
    assert any(
        r.startswith("POST /services/data/v59.0/jobs/query") for r in salesforce.fake.requests
    )
    assert [len(c.records) for c in bulk_chunks] == [4, 4, 1]
    bulk = {r["Id"]: r for c in bulk_chunks for r in c.records}
    assert bulk == rest
    *pages, last = [json.loads(c.state) for c in bulk_chunks]
    assert all("bulk" in p for p in pages)
    newest = max((r["SystemModstamp"], r["Id"]) for r in rest.values())
    assert last["cursor"] == {"SystemModstamp": newest[0], "Id": newest[1]}


def test_a_bulk_load_stopped_midway_resumes_its_job(salesforce: ServedSalesforce) -> None:
    _accounts(salesforce, 9)
    store = InMemoryTableStore()
    source = salesforce.source(bulk_threshold=5, chunk_records=4)
    with pytest.raises(SimulatedCrash):
        _pull(source, CrashingTableStore(store, crash_after=2))
    jobs = [r for r in salesforce.fake.requests if r.startswith("POST")]
    intake = _pull(source, store, batch=3)
    assert [r for r in salesforce.fake.requests if r.startswith("POST") and "jobs" in r] == [
        j for j in jobs if "jobs" in j
    ]  # no new job: the same one, from its locator
    assert intake.appended == 1
    rows = store.read(ACCOUNTS.bronze)
    assert sorted(r["Id"] for r in rows) == sorted(salesforce.fake.current("Account"))


def test_a_custom_field_an_admin_adds_reaches_bronze_as_a_new_column(
    salesforce: ServedSalesforce,
) -> None:
    _accounts(salesforce, 2)
    store = InMemoryTableStore()
    _pull(salesforce.source(), store)
    fields = salesforce.fake.fields["Account"]
    try:
        fields["Tier__c"] = "picklist"
        salesforce.fake.tick(5)
        tiered = salesforce.fake.upsert("Account", {"Name": "gold", "Tier__c": "Gold"})
        intake = _pull(salesforce.source(), store, batch=2)
    finally:
        del fields["Tier__c"]
    assert intake.appended == 1
    rows = store.read(ACCOUNTS.bronze)
    assert {r["Id"]: r["Tier__c"] for r in rows}[tiered] == "Gold"
    assert sum(1 for r in rows if r["Tier__c"] is None) == 2  # the rows before it
