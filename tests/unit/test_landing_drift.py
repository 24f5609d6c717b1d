"""Landing files drift too: a CSV whose header lacks a declared field stops the run before
anything is written, naming the file and field; one with a new column brings it to bronze."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from adapters.memory import (
    InMemoryTableStore,
)
from lakecore.errors import SchemaMismatch
from pipelines import orders as lh
from tests.memory import run_on

DAY = date(2026, 11, 27)


def _rates(landing: Path, name: str, header: str, rows: list[str]) -> None:
    folder = landing / "fx" / "rates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join([header, *rows]) + "\n")


def _run(landing: Path, store: InMemoryTableStore) -> None:
    run_on(landing, store)


def test_a_csv_without_a_declared_field_stops_the_run_before_any_write(tmp_path: Path) -> None:
    _rates(
        tmp_path, "rates-1.csv", "as_of_date,base_ccy,ccy,rate_to_base", ["2026-11-27,USD,EUR,0.9"]
    )
    _rates(tmp_path, "rates-2.csv", "as_of_date,base_ccy,rate_to_base", ["2026-11-27,USD,0.8"])
    store = InMemoryTableStore()
    with pytest.raises(
        SchemaMismatch,
        match=r"^landing file fx/rates/rates-2.csv: field ccy is missing from its header$",
    ):
        _run(tmp_path, store)
    assert not store.exists(lh.FX_LANDING.bronze.id)


def test_a_csv_with_a_new_column_brings_it_to_bronze(tmp_path: Path) -> None:
    _rates(
        tmp_path, "rates-1.csv", "as_of_date,base_ccy,ccy,rate_to_base", ["2026-11-27,USD,EUR,0.9"]
    )
    _rates(tmp_path, "rates-2.csv", "ccy,as_of_date,provider,base_ccy,rate_to_base",
           ["GBP,2026-11-27,ecb,USD,0.8"])  # fmt: skip
    store = InMemoryTableStore()
    _run(tmp_path, store)
    bronze = {r["ccy"]: r for r in store.read(lh.FX_LANDING.bronze)}
    assert (bronze["EUR"]["provider"], bronze["GBP"]["provider"]) == (None, "ecb")
    assert bronze["GBP"]["rate_to_base"] == "0.8"
    assert sorted(r["ccy"] for r in store.read(lh.FX_RATES)) == ["EUR", "GBP"]


def hostile_landing(root: Path) -> Path:
    """Rates written by a spreadsheet (a byte-order mark, CRLF line ends) and an order
    events file with a line of binary between two events."""
    folder = root / "fx" / "rates"
    folder.mkdir(parents=True)
    (folder / "rates-bom.csv").write_bytes(
        "\ufeffas_of_date,base_ccy,ccy,rate_to_base\r\n2026-11-27,USD,EUR,0.9\r\n".encode()
    )
    events = root / "kafka" / "orders_events"
    events.mkdir(parents=True)
    lines = [json.dumps(_event(n)).encode() for n in (1, 2)]
    (events / "events-1.jsonl").write_bytes(lines[0] + b"\n\xff\xfe\x00\x81binary\n" + lines[1])
    return root


def _event(n: int) -> dict[str, object]:
    order = {"order_id": f"ORD-{n:010d}", "customer_id": "0018d0000ILkQBvAQN",
             "event_ts": "2026-11-27T00:02:45.088Z", "currency": "EUR", "amount": 10.5,
             "status": "PAID", "sku": "SKU-65091"}  # fmt: skip
    return {"topic": "orders_events", "partition": 0, "offset": n, "timestamp": 1795737766735,
            "key": order["order_id"], "value": json.dumps(order)}  # fmt: skip


def test_a_bom_crlf_csv_is_read_and_a_binary_line_is_quarantined(tmp_path: Path) -> None:
    store = InMemoryTableStore()
    _run(hostile_landing(tmp_path), store)
    assert [r["ccy"] for r in store.read(lh.FX_RATES)] == ["EUR"]
    assert sorted(r["order_id"] for r in store.read(lh.ORDERS)) == ["ORD-0000000001",
                                                                    "ORD-0000000002"]  # fmt: skip
    (bad,) = store.read(lh.QUARANTINE)
    assert (bad["reason"], bad["_source_file"]) == (
        "malformed_record",
        "kafka/orders_events/events-1.jsonl",
    )


def test_an_empty_csv_is_refused_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "fx" / "rates"
    folder.mkdir(parents=True)
    (folder / "rates-0.csv").write_bytes(b"")
    with pytest.raises(SchemaMismatch, match=r"fx/rates/rates-0.csv has no header line"):
        _run(tmp_path, InMemoryTableStore())
