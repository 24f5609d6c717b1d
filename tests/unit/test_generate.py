"""``pipelines.orders.generate``: layout, determinism, clean data, and defects the manifest counts.

The files are re-read here the way the landing readers read them (one line per record, CSV
lines parsed one at a time), and every defect is re-counted from the files alone.
"""

from __future__ import annotations

import csv
import json
import math
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lakecore.conform import conform_record, payload_fields
from pipelines import orders as lakehouse
from pipelines.orders.generate import (
    DATASET_FOLDERS,
    DEFECT_KINDS,
    FX_CURRENCIES,
    MANIFEST_NAME,
    ORDER_STATUSES,
    GenerateOptions,
    Manifest,
    _file_count,
    generate,
)

DAY = date(2026, 11, 27)
FX_CCYS = set(FX_CURRENCIES)
ORDER_CCYS = {"USD", *FX_CCYS}
SF_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$")
SF_TS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
KAFKA_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LEGACY_TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ORDER_ID = re.compile(r"^ORD-\d{10}$")
FILE_NAME = re.compile(
    r"^(?P<object>[a-z_]+)-(?P<day>\d{8})-(?P<number>\d{4})\.(?P<ext>jsonl|csv)$"
)
LEAD_STATUSES = {
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
}
NEXT_STATUS = {"PLACED": {"PAID", "CANCELLED"}, "PAID": {"SHIPPED", "CANCELLED"}}


def options(out: Path, rows: int = 2_000, **kwargs: Any) -> GenerateOptions:
    kwargs.setdefault("business_date", DAY)
    return GenerateOptions(out=out, rows=rows, **kwargs)


# --- reading the landing back -------------------------------------------------------------


@dataclass
class Landing:
    """Every dataset's records in file order: JSON lines as text, CSV lines as text."""

    manifest: Manifest
    lines: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, out: Path) -> Landing:
        manifest = Manifest.from_json((out / MANIFEST_NAME).read_text(encoding="utf-8"))
        landing = cls(manifest, {name: [] for name in DATASET_FOLDERS})
        folders = {folder: name for name, folder in DATASET_FOLDERS.items()}
        for path in manifest.files:
            name = folders[path.rsplit("/", 1)[0]]
            with (out / path).open(encoding="utf-8", newline="") as handle:
                text = handle.read()
            assert text.endswith("\n")
            lines = text[:-1].split("\n") if text else []
            if path.endswith(".csv"):
                landing.headers[name] = lines.pop(0).split(",")
            landing.lines[name].extend(lines)
        return landing

    def jsonl(self, name: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines[name]]

    def csv_rows(self, name: str) -> list[list[str] | None]:
        """Each CSV line parsed alone (strictly); None when it does not parse."""
        return [_csv_line(line) for line in self.lines[name]]

    def account_ids(self) -> set[str]:
        return {a["Id"] for a in self.jsonl("accounts") if a["Id"] is not None}

    def valid_fx_keys(self) -> set[tuple[str, str]]:
        rows = [r for r in self.csv_rows("fx_rates") if r is not None]
        return {(r[0], r[2]) for r in rows if r[2] and float(r[3]) > 0}

    def orders(self) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
        """(source, order fields or None when malformed, raw line) for every order record."""
        for line in self.lines["orders_events"]:
            envelope = json.loads(line)
            try:
                value = json.loads(envelope["value"])
            except ValueError:
                value = None
            yield "kafka", value, line
        for line in self.lines["legacy_orders"]:
            row = _csv_line(line)
            if row is None or len(row) != 7:
                yield "legacy", None, line
                continue
            names = ("order_id", "customer_id", "event_ts", "currency", "amount", "status", "sku")
            order: dict[str, Any] = dict(zip(names, row, strict=True))
            order["amount"] = float(order["amount"])
            yield "legacy", order, line


def _csv_line(line: str) -> list[str] | None:
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error:
        return None


def instant(text: str) -> datetime:
    """A timestamp in any of the accepted formats, as naive UTC."""
    if re.fullmatch(r"\d{13}", text):
        return datetime.fromtimestamp(int(text) / 1000, UTC).replace(tzinfo=None)
    if re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", text):
        return datetime.strptime(text, "%m/%d/%Y %H:%M:%S")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def salesforce_checksum_ok(sf_id: str) -> bool:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in range(3):
        part = sf_id[chunk * 5 : chunk * 5 + 5]
        suffix += alphabet[sum(1 << i for i, ch in enumerate(part) if ch.isupper())]
    return len(sf_id) == 18 and sf_id[15:] == suffix


# --- re-counting defects from the files ---------------------------------------------------


def recount(landing: Landing, business_date: date = DAY) -> Counter[str]:
    """Defects found in the files, as ``<dataset>.<kind>``; no record may show two kinds."""
    found: Counter[str] = Counter()
    for name in ("accounts", "leads"):
        seen: set[str] = set()
        for record in landing.jsonl(name):
            kinds = []
            if record["Id"] is None:
                kinds.append("null_id")
            elif record["Id"] in seen:
                kinds.append("duplicate_id")
            if SF_TS_Z.match(record["SystemModstamp"]):
                kinds.append("mixed_timestamp")
            else:
                assert SF_TS.match(record["SystemModstamp"]), record
            assert len(kinds) <= 1, record
            found.update(f"{name}.{k}" for k in kinds)
            seen.add(record["Id"])

    fx_seen: set[tuple[str, str]] = set()
    for row in landing.csv_rows("fx_rates"):
        assert row is not None
        assert len(row) == 4
        assert row[1] == "USD"
        kinds = []
        if not row[2]:
            kinds.append("null_ccy")
        elif (row[0], row[2]) in fx_seen:
            kinds.append("duplicate_key")
        if float(row[3]) <= 0:
            kinds.append("non_positive_rate")
        assert len(kinds) <= 1, row
        found.update(f"fx_rates.{k}" for k in kinds)
        fx_seen.add((row[0], row[2]))

    accounts = landing.account_ids()
    fx = landing.valid_fx_keys()
    seen_orders: set[tuple[str, str]] = set()
    for source, order, line in landing.orders():
        name = "orders_events" if source == "kafka" else "legacy_orders"
        ident = (source, _without_broker_position(line) if source == "kafka" else line)
        if ident in seen_orders:  # an exact copy of an earlier record
            found[f"{name}.duplicate"] += 1
            continue
        seen_orders.add(ident)
        if order is None:
            found[f"{name}.malformed_value" if source == "kafka" else f"{name}.malformed_row"] += 1
            continue
        clean_ts = KAFKA_TS if source == "kafka" else LEGACY_TS
        when = instant(order["event_ts"])
        kinds = []
        if order["order_id"] in (None, ""):
            kinds.append("null_order_id")
        if order["amount"] < 0:
            kinds.append("negative_amount")
        if order["status"].upper() not in ORDER_STATUSES:
            kinds.append("unknown_status")
        if not clean_ts.match(order["event_ts"]):
            kinds.append("mixed_timestamp")
            assert when.date() == business_date, order  # another format, the same day
        if when.date() < business_date:
            kinds.append("late_event")
            assert business_date - when.date() <= timedelta(days=3), order
        if order["customer_id"] not in accounts:
            kinds.append("unknown_customer")
        if order["currency"] != "USD" and (when.date().isoformat(), order["currency"]) not in fx:
            kinds.append("missing_fx_rate")
        assert len(kinds) <= 1, order
        assert when.date() <= business_date, order
        found.update(f"{name}.{k}" for k in kinds)
    return found


def _without_broker_position(line: str) -> str:
    """A Kafka record without what the broker assigns (offset, time): key and value."""
    envelope = json.loads(line)
    return json.dumps([envelope["key"], envelope["value"]])


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    out = tmp_path_factory.mktemp("clean")
    generate(options(out, rows=4_000, dirty=0.0))
    return Landing.read(out)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    out = tmp_path_factory.mktemp("dirty")
    generate(options(out, rows=3_000, dirty=0.2))
    return Landing.read(out)


# --- options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rows": 0}, "rows"),
        ({"rows": -5}, "rows"),
        ({"dirty": -0.01}, "dirty"),
        ({"dirty": 1.5}, "dirty"),
        ({"dirty": math.nan}, "dirty"),
        ({"files_per_dataset": 0}, "files_per_dataset"),
    ],
)
def test_invalid_options_raise_value_error_and_write_nothing(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    out = tmp_path / "landing"
    with pytest.raises(ValueError, match=message) as raised:
        generate(options(out, **changes))
    assert "\n" not in str(raised.value)
    assert not out.exists()


def test_boundary_options_are_accepted(tmp_path: Path) -> None:
    manifest = generate(options(tmp_path, rows=1, dirty=1.0, files_per_dataset=1))
    assert manifest.counts["orders_events"] == 1
    assert manifest.counts["legacy_orders"] == 0
    assert (tmp_path / DATASET_FOLDERS["legacy_orders"]).is_dir()
    header_only = Landing.read(tmp_path)
    assert header_only.headers["legacy_orders"] == [
        "ORDER_NO", "CUST_ID", "ORDER_TS", "CCY", "AMT", "ORDER_STATUS", "ITEM_CODE",
    ]  # fmt: skip
    assert header_only.lines["legacy_orders"] == []


# --- layout, counts, manifest -------------------------------------------------------------


def test_counts_follow_rows(clean: Landing) -> None:
    counts = clean.manifest.counts
    assert list(counts) == list(DATASET_FOLDERS)
    assert counts["accounts"] == 4_000 // 20
    assert counts["leads"] == 4_000 // 10
    assert counts["orders_events"] == 3_200
    assert counts["legacy_orders"] == 800
    assert counts["fx_rates"] == len(FX_CURRENCIES)  # one day, no defects
    for name, lines in clean.lines.items():
        assert len(lines) == counts[name], name


def test_small_rows_still_give_twenty_accounts_and_leads(tmp_path: Path) -> None:
    manifest = generate(options(tmp_path, rows=7, dirty=0.0))
    assert manifest.counts["accounts"] == 20
    assert manifest.counts["leads"] == 20
    assert manifest.counts["orders_events"] == 6  # 5.6 rounded
    assert manifest.counts["legacy_orders"] == 1


def test_files_are_named_and_placed_as_the_readers_expect(tmp_path: Path) -> None:
    manifest = generate(options(tmp_path, rows=500, dirty=0.1))
    on_disk = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert on_disk == sorted([*manifest.files, MANIFEST_NAME])
    assert list(manifest.files) == sorted(manifest.files)
    for path in manifest.files:
        folder, name = path.rsplit("/", 1)
        match = FILE_NAME.match(name)
        assert match is not None, path
        assert folder in DATASET_FOLDERS.values()
        assert match["object"] == folder.rsplit("/", 1)[1]
        assert match["day"] == "20261127"
        assert match["number"] == "0001"
        assert match["ext"] == (
            "csv" if folder in ("snowflake/legacy_orders", "fx/rates") else "jsonl"
        )


def test_manifest_on_disk_is_the_returned_manifest(tmp_path: Path) -> None:
    manifest = generate(options(tmp_path, rows=300, dirty=0.3, seed=11))
    document = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert document["business_date"] == "2026-11-27"
    assert document["seed"] == 11
    assert document["dirty"] == 0.3
    assert Manifest.from_json((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8")) == manifest
    assert all(count > 0 for count in manifest.defects.values())
    assert all(
        kind.split(".", 1)[1] in DEFECT_KINDS[kind.split(".", 1)[0]] for kind in manifest.defects
    )
    assert MANIFEST_NAME not in manifest.files


def test_progress_hears_about_files_not_rows(tmp_path: Path) -> None:
    messages: list[str] = []
    manifest = generate(options(tmp_path, rows=3_000, files_per_dataset=2), messages.append)
    assert len(messages) == len(manifest.files) + 1
    for path in manifest.files:
        assert any(path in message for message in messages)


# --- determinism --------------------------------------------------------------------------


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_same_options_give_byte_identical_files(tmp_path: Path) -> None:
    first = generate(options(tmp_path / "a", rows=1_500, dirty=0.1, seed=3))
    second = generate(options(tmp_path / "b", rows=1_500, dirty=0.1, seed=3))
    assert first == second
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")


def test_other_seed_or_day_gives_other_data(tmp_path: Path) -> None:
    generate(options(tmp_path / "a", rows=500, seed=3))
    generate(options(tmp_path / "b", rows=500, seed=4))
    generate(options(tmp_path / "c", rows=500, seed=3, business_date=DAY + timedelta(days=1)))
    kafka = "kafka/orders_events/orders_events-{}-0001.jsonl"
    a = (tmp_path / "a" / kafka.format("20261127")).read_bytes()
    b = (tmp_path / "b" / kafka.format("20261127")).read_bytes()
    c = (tmp_path / "c" / kafka.format("20261128")).read_bytes()
    assert a != b
    assert a != c


def test_accounts_and_rates_are_the_same_on_every_day(tmp_path: Path) -> None:
    generate(options(tmp_path / "a", rows=2_000, dirty=0.2))
    generate(options(tmp_path / "b", rows=4_000, dirty=0.0, business_date=DAY - timedelta(1)))
    small, large = Landing.read(tmp_path / "a"), Landing.read(tmp_path / "b")

    def first_versions(landing: Landing) -> dict[str, tuple[str, str, str]]:
        found: dict[str, tuple[str, str, str]] = {}
        for a in landing.jsonl("accounts"):
            if a["Id"] is not None:
                found.setdefault(a["Id"], (a["Name"], a["Industry"], a["BillingCountry"]))
        return found

    before, after = first_versions(small), first_versions(large)
    assert len(before) > 80
    assert len(after) == 200
    assert all(after[account_id] == fields for account_id, fields in before.items())
    rates_a = {(r[0], r[2]): r[3] for r in small.csv_rows("fx_rates") if r and r[2]}
    rates_b = {(r[0], r[2]): r[3] for r in large.csv_rows("fx_rates") if r and r[2]}
    overlap = rates_a.keys() & rates_b.keys()
    assert {day for day, _ in overlap} == {"2026-11-26"}
    assert all(rates_a[k] == rates_b[k] for k in overlap)


# --- file splitting -----------------------------------------------------------------------


def test_files_per_dataset_splits_without_changing_records(tmp_path: Path) -> None:
    one = generate(options(tmp_path / "one", rows=1_000, dirty=0.1))
    three = generate(options(tmp_path / "three", rows=1_000, dirty=0.1, files_per_dataset=3))
    assert three.counts == one.counts
    assert three.defects == one.defects
    per_dataset = Counter(path.rsplit("/", 1)[0] for path in three.files)
    assert per_dataset == Counter(dict.fromkeys(DATASET_FOLDERS.values(), 3))
    joined, split = Landing.read(tmp_path / "one"), Landing.read(tmp_path / "three")
    assert split.lines == joined.lines
    assert split.headers == joined.headers
    sizes = [
        len((tmp_path / "three" / p).read_text(encoding="utf-8").splitlines())
        for p in three.files
        if p.startswith("kafka/")
    ]
    assert sizes == [266, 267, 267]


def test_files_per_dataset_never_writes_empty_files(tmp_path: Path) -> None:
    manifest = generate(options(tmp_path, rows=30, dirty=0.0, files_per_dataset=25))
    per_dataset = Counter(path.rsplit("/", 1)[0] for path in manifest.files)
    assert per_dataset["fx/rates"] == 10  # ten records, ten files
    assert per_dataset["snowflake/legacy_orders"] == 6
    assert per_dataset["salesforce/accounts"] == 20
    assert per_dataset["kafka/orders_events"] == 24


@pytest.mark.parametrize(
    ("rows", "files_per_dataset", "files"),
    [
        (0, None, 1),
        (1, None, 1),
        (250_000, None, 1),
        (250_001, None, 2),
        (800_000, None, 4),
        (10, 3, 3),
        (2, 3, 2),
        (0, 3, 1),
    ],
)
def test_file_count(rows: int, files_per_dataset: int | None, files: int) -> None:
    assert _file_count(rows, files_per_dataset) == files


def test_regenerating_a_day_replaces_only_that_days_files(tmp_path: Path) -> None:
    generate(options(tmp_path, rows=300, files_per_dataset=3))
    other_day = tmp_path / "salesforce/accounts/accounts-20261126-0001.jsonl"
    other_day.write_text("{}\n", encoding="utf-8")
    manifest = generate(options(tmp_path, rows=300, files_per_dataset=1))
    on_disk = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert on_disk == sorted(
        [*manifest.files, MANIFEST_NAME, other_day.relative_to(tmp_path).as_posix()]
    )


# --- clean data ---------------------------------------------------------------------------


def test_clean_data_has_no_defects(clean: Landing) -> None:
    assert dict(clean.manifest.defects) == {}
    assert recount(clean) == Counter()


def test_clean_accounts_look_like_salesforce(clean: Landing) -> None:
    accounts = clean.jsonl("accounts")
    end_of_day = datetime(2026, 11, 28)
    for account in accounts:
        assert account["attributes"]["type"] == "Account"
        assert account["Id"].startswith("001")
        assert salesforce_checksum_ok(account["Id"])
        assert account["Name"]
        assert account["Industry"]
        assert re.fullmatch(r"[A-Z]{2}", account["BillingCountry"])
        assert isinstance(account["IsDeleted"], bool)
        created, modified = instant(account["CreatedDate"]), instant(account["SystemModstamp"])
        assert created <= modified < end_of_day
    assert len({a["Id"] for a in accounts}) == len(accounts)
    deleted = sum(a["IsDeleted"] for a in accounts)
    assert 0 < deleted < len(accounts) * 0.06


def test_clean_leads_look_like_salesforce(clean: Landing) -> None:
    accounts = clean.account_ids()
    leads = clean.jsonl("leads")
    for lead in leads:
        assert lead["Id"].startswith("00Q")
        assert salesforce_checksum_ok(lead["Id"])
        assert lead["Status"] in LEAD_STATUSES
        assert re.fullmatch(r"[a-z]+\.[a-z]+@[a-z0-9-]+\.com", lead["Email"]), lead["Email"]
        if lead["Status"] == "Closed - Converted":
            assert lead["ConvertedAccountId"] in accounts
        else:
            assert lead["ConvertedAccountId"] is None
        assert instant(lead["CreatedDate"]) <= instant(lead["SystemModstamp"])
        assert instant(lead["SystemModstamp"]).date() == DAY
    assert {lead["Status"] for lead in leads} == LEAD_STATUSES
    assert len({lead["Id"] for lead in leads}) == len(leads)


def test_clean_kafka_envelopes(clean: Landing) -> None:
    last_offset: dict[int, int] = {}
    midnight = int(datetime(2026, 11, 27, tzinfo=UTC).timestamp() * 1000)
    for line in clean.lines["orders_events"]:
        envelope = json.loads(line)
        assert list(envelope) == ["topic", "partition", "offset", "timestamp", "key", "value"]
        assert envelope["topic"] == "orders_events"
        assert 0 <= envelope["partition"] <= 5
        assert envelope["offset"] > last_offset.get(envelope["partition"], -1)
        last_offset[envelope["partition"]] = envelope["offset"]
        assert midnight <= envelope["timestamp"] < midnight + 86_400_000
        value = json.loads(envelope["value"])
        assert envelope["key"] == value["order_id"]
        event_ms = instant(value["event_ts"]).replace(tzinfo=UTC).timestamp() * 1000
        assert event_ms <= envelope["timestamp"]
        assert re.search(r'"amount":\d+\.\d{2}[,}]', envelope["value"])
        assert re.fullmatch(r"SKU-\d{5}", value["sku"])
    assert set(last_offset) == set(range(6))


def test_clean_orders_satisfy_every_rule(clean: Landing) -> None:
    live = {a["Id"] for a in clean.jsonl("accounts") if not a["IsDeleted"]}
    fx = clean.valid_fx_keys()
    keys: set[tuple[str, str]] = set()
    ids: dict[str, set[str]] = {"kafka": set(), "legacy": set()}
    currencies: Counter[str] = Counter()
    for source, order, _ in clean.orders():
        assert order is not None
        assert ORDER_ID.match(order["order_id"])
        assert order["customer_id"] in live
        assert 1.0 <= order["amount"] <= 5_000.0
        assert order["status"] in ORDER_STATUSES
        assert order["currency"] in ORDER_CCYS
        assert (KAFKA_TS if source == "kafka" else LEGACY_TS).match(order["event_ts"])
        day = instant(order["event_ts"]).date()
        assert day == DAY
        assert order["currency"] == "USD" or (day.isoformat(), order["currency"]) in fx
        keys.add((order["order_id"], order["event_ts"]))
        ids[source].add(order["order_id"])
        currencies[order["currency"]] += 1
    assert len(keys) == 4_000  # (order_id, event_ts) is unique
    assert not ids["kafka"] & ids["legacy"]
    assert set(currencies) == ORDER_CCYS
    assert 0.35 < currencies["USD"] / 4_000 < 0.45


def test_about_thirty_percent_of_kafka_orders_are_resent_with_progress(clean: Landing) -> None:
    events: dict[str, list[dict[str, Any]]] = {}
    for line in clean.lines["orders_events"]:
        value = json.loads(json.loads(line)["value"])
        events.setdefault(value["order_id"], []).append(value)
    resent = [e for e in events.values() if len(e) > 1]
    assert all(len(e) == 2 for e in resent)
    assert 0.27 < len(resent) / len(events) < 0.33
    for first, second in resent:
        assert first["event_ts"] < second["event_ts"]
        assert second["status"] in NEXT_STATUS[first["status"]]
        for column in ("customer_id", "currency", "amount", "sku"):
            assert first[column] == second[column]


def test_clean_fx_rates(clean: Landing) -> None:
    rows = clean.csv_rows("fx_rates")
    assert clean.headers["fx_rates"] == ["as_of_date", "base_ccy", "ccy", "rate_to_base"]
    assert {r[2] for r in rows if r} == FX_CCYS
    for row in rows:
        assert row is not None
        assert row[0] == "2026-11-27"
        assert row[1] == "USD"
        assert re.fullmatch(r"\d+\.\d{6}", row[3])
        assert 0.5 < float(row[3]) / FX_CURRENCIES[row[2]] < 1.5


def test_clean_records_pass_the_lakehouse_conform_rules(clean: Landing) -> None:
    for spec, name, raw in _bronze_records(clean):
        _, reasons = conform_record(raw, spec)
        assert reasons == [], (name, raw, reasons)


def _bronze_records(landing: Landing) -> Iterator[tuple[Any, str, dict[str, Any]]]:
    """Every record as a bronze row (all text), with the conform spec that reads it."""
    specs = {spec.source.name: spec for spec in lakehouse.CONFORM}
    sources = {
        "accounts": "salesforce_accounts",
        "leads": "salesforce_leads",
        "orders_events": "kafka_orders_events",
        "legacy_orders": "snowflake_legacy_orders",
        "fx_rates": "fx_rates",
    }
    for name, lines in landing.lines.items():
        header = landing.headers.get(name)
        for line in lines:
            if header is None:
                raw: dict[str, Any] = {**(payload_fields(line) or {}), "_corrupt_record": None}
            else:
                row = _csv_line(line)
                if row is None or len(row) != len(header):
                    raw = {"_corrupt_record": line}
                else:
                    raw = {k: v or None for k, v in zip(header, row, strict=True)}
                    raw["_corrupt_record"] = None
            yield specs[sources[name]], name, raw


# --- dirty data ---------------------------------------------------------------------------


def test_every_defect_kind_is_injected_and_counted_right(dirty: Landing) -> None:
    expected = {f"{name}.{kind}" for name, kinds in DEFECT_KINDS.items() for kind in kinds}
    assert set(dirty.manifest.defects) == expected
    assert recount(dirty) == Counter(dirty.manifest.defects)


def test_dirty_share_is_spread_evenly(dirty: Landing) -> None:
    for name, kinds in DEFECT_KINDS.items():
        counts = [dirty.manifest.defects[f"{name}.{kind}"] for kind in kinds]
        assert sum(counts) == round(0.2 * _clean_records(dirty.manifest, name))
        assert max(counts) - min(counts) <= 1, (name, counts)


def _clean_records(manifest: Manifest, name: str) -> int:
    if name != "fx_rates":
        return manifest.counts[name]
    extra = sum(manifest.defects[f"fx_rates.{kind}"] for kind in DEFECT_KINDS["fx_rates"])
    return manifest.counts[name] - extra  # FX defects come on top of the clean rows


def test_late_events_fall_one_to_three_days_early_and_have_rates(dirty: Landing) -> None:
    fx = dirty.valid_fx_keys()
    late_days = {
        instant(order["event_ts"]).date()
        for _, order, _ in dirty.orders()
        if order is not None and instant(order["event_ts"]).date() < DAY
    }
    assert late_days == {DAY - timedelta(days=d) for d in (1, 2, 3)}
    assert {(d.isoformat(), c) for d in late_days for c in FX_CCYS} <= fx


def test_orders_missing_a_rate_use_a_currency_the_fx_feed_lacks(dirty: Landing) -> None:
    fx_currencies = {ccy for _, ccy in dirty.valid_fx_keys()}
    missing = [
        order["currency"]
        for _, order, _ in dirty.orders()
        if order is not None and order["currency"] not in ORDER_CCYS
    ]
    assert len(missing) == (
        dirty.manifest.defects["orders_events.missing_fx_rate"]
        + dirty.manifest.defects["legacy_orders.missing_fx_rate"]
    )
    assert all(re.fullmatch(r"[A-Z]{3}", ccy) and ccy not in fx_currencies for ccy in missing)


def test_duplicate_accounts_are_later_and_renamed(dirty: Landing) -> None:
    first: dict[str, dict[str, Any]] = {}
    renamed = 0
    for account in dirty.jsonl("accounts"):
        original = first.setdefault(account["Id"], account)
        if account["Id"] is not None and original is not account:
            assert instant(account["SystemModstamp"]) > instant(original["SystemModstamp"])
            assert account["Name"] != original["Name"]
            renamed += 1
    assert renamed == dirty.manifest.defects["accounts.duplicate_id"]


def test_quarantine_catches_exactly_the_record_level_defects(dirty: Landing) -> None:
    """Mixed and late timestamps, copies and unknown references parse; the rest is rejected."""
    rejected: Counter[str] = Counter()
    for spec, name, raw in _bronze_records(dirty):
        _, reasons = conform_record(raw, spec)
        rejected[name] += bool(reasons)
    defects = dirty.manifest.defects
    assert rejected["accounts"] == defects["accounts.null_id"]
    assert rejected["leads"] == defects["leads.null_id"]
    assert (
        rejected["fx_rates"] == defects["fx_rates.null_ccy"] + defects["fx_rates.non_positive_rate"]
    )
    for name, malformed in (
        ("orders_events", "malformed_value"),
        ("legacy_orders", "malformed_row"),
    ):
        kinds = ("null_order_id", "negative_amount", "unknown_status", malformed)
        assert rejected[name] == sum(defects[f"{name}.{kind}"] for kind in kinds), name


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(min_value=1, max_value=400),
    dirty=st.floats(min_value=0.0, max_value=1.0),
    seed=st.integers(min_value=-(2**40), max_value=2**40),
    files_per_dataset=st.none() | st.integers(min_value=1, max_value=4),
)
# Found in a fresh `make test`: two events of one order both cut short before their event
# time read the same, so the recount took the second for a producer retry.
@example(rows=131, dirty=1.0, seed=681222, files_per_dataset=None)
def test_any_options_give_a_consistent_landing(
    rows: int, dirty: float, seed: int, files_per_dataset: int | None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        manifest = generate(
            options(out, rows=rows, dirty=dirty, seed=seed, files_per_dataset=files_per_dataset)
        )
        landing = Landing.read(out)
    counts = manifest.counts
    assert counts["orders_events"] + counts["legacy_orders"] == rows
    assert counts["orders_events"] == max(1, math.floor(rows * 0.8 + 0.5))
    for name, lines in landing.lines.items():
        assert len(lines) == counts[name]
    assert recount(landing) == Counter(manifest.defects)
    if dirty == 0.0:
        assert dict(manifest.defects) == {}
