"""Lineage: what a run read, wrote and judged becomes OpenLineage run events, read back from
the file transport and from a real HTTP endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import structlog.testing

from adapters.openlineage.emitter import OpenLineageSink, client, run_uuid
from lakecore.lineage import Observed
from lakecore.ports import RunContext, WriteResult
from lakecore.quality import QualityReport, RuleResult
from lakecore.rules import Severity
from lakecore.schema import Layer, TableId

RUN = RunContext("20261130-0badcafe", date(2026, 11, 30), datetime(2026, 11, 30, 2))
ORDERS, FACTS, BRONZE = (
    TableId(Layer.SILVER, "orders"),
    TableId(Layer.GOLD, "fact_orders"),
    TableId(Layer.BRONZE, "kafka_orders_events"),
)


def _location(table: TableId) -> str:
    return f"s3a://lake-bucket/{table.layer.value}/{table.name}"


def _report(table: TableId, passed: bool) -> QualityReport:
    return QualityReport(
        table, "native", RUN.run_id, RUN.started_at, 10,
        (RuleResult("not_null(order_id)", "not_null", Severity.CRITICAL, passed, 0 if passed else 3),),
    )  # fmt: skip


def _observed(gold_passes: bool) -> Observed:
    observed = Observed()
    observed.read(BRONZE)
    observed.read(ORDERS)
    observed.wrote(WriteResult(ORDERS, 7, 120, 100, 20))
    observed.wrote(WriteResult(ORDERS, 8, 5, 5, 0))
    observed.wrote(WriteResult(FACTS, None, 0, skipped=True))  # committed nothing
    observed.judged(_report(ORDERS, True))
    observed.judged(_report(FACTS, gold_passes))
    return observed


def test_a_run_is_a_start_and_a_complete_event_with_its_tables_rows_and_verdict(
    tmp_path: Path,
) -> None:
    target = tmp_path / "lineage.jsonl"
    sink = OpenLineageSink(client(str(target)), "orders", _location)
    sink.started("daily", RUN)
    sink.finished("daily", RUN, _observed(gold_passes=True))

    start, end = (json.loads(line) for line in target.read_text().splitlines())
    assert (start["eventType"], end["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == end["run"]["runId"] == run_uuid(RUN.run_id)
    assert end["job"]["namespace"] == "orders"
    assert end["job"]["name"] == "daily"
    (output,) = end["outputs"]
    assert (output["namespace"], output["name"]) == ("s3://lake-bucket", "silver/orders")
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 125  # both commits
    assert output["facets"]["version"]["datasetVersion"] == "8"
    inputs = {(i["namespace"], i["name"]) for i in end["inputs"]}
    # read and not written; judged (a gold candidate) but never committed
    assert inputs == {
        ("s3://lake-bucket", "bronze/kafka_orders_events"),
        ("s3://lake-bucket", "gold/fact_orders"),
    }
    assert end["run"]["facets"]["lakecore_quality_gate"]["verdict"] == "passed"
    assertions = output["facets"]["dataQualityAssertions"]["assertions"]
    assert assertions[0]["assertion"] == "not_null(order_id)"
    assert assertions[0]["success"] is True


def test_a_failed_run_is_a_fail_event_with_the_error_and_the_failed_tables(
    tmp_path: Path,
) -> None:
    target = tmp_path / "lineage.jsonl"
    sink = OpenLineageSink(client(str(target)), "orders", _location)
    sink.finished("daily", RUN, _observed(gold_passes=False), "quality gate failed: gold")

    (end,) = (json.loads(line) for line in target.read_text().splitlines())
    assert end["eventType"] == "FAIL"
    assert end["run"]["facets"]["errorMessage"]["message"] == "quality gate failed: gold"
    gate = end["run"]["facets"]["lakecore_quality_gate"]
    assert (gate["verdict"], gate["failed"]) == ("failed", ["gold.fact_orders"])
    judged = {i["name"]: i["facets"] for i in end["inputs"]}
    assert judged["gold/fact_orders"]["dataQualityAssertions"]["assertions"][0]["success"] is False


class _Collector(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"path": self.path, "event": json.loads(body)})
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A lineage server (what Marquez offers) on a free port of 127.0.0.1."""
    received: list[dict[str, Any]] = []
    handler = type("Handler", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()


def test_events_reach_an_http_endpoint(endpoint: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = endpoint
    sink = OpenLineageSink(client(url), "orders", _location)
    sink.started("extract", RUN)
    sink.finished("extract", RUN, Observed())

    assert [r["path"] for r in received] == ["/api/v1/lineage"] * 2
    assert [r["event"]["eventType"] for r in received] == ["START", "COMPLETE"]
    assert "lakecore_quality_gate" not in received[1]["event"]["run"]["facets"]  # nothing judged


def test_an_endpoint_that_is_down_is_logged_and_does_not_fail_the_job() -> None:
    sink = OpenLineageSink(client("http://127.0.0.1:9"), "orders", _location)
    with structlog.testing.capture_logs() as logs:
        sink.finished("daily", RUN, Observed())
    assert [(e["event"], e["state"]) for e in logs] == [("lineage.not_sent", "COMPLETE")]
