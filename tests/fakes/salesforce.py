"""A local fake of the Salesforce APIs lakecore uses, over HTTPS with a self-signed CA.

OAuth 2.0 client credentials, ``describe``, REST ``query``/``queryAll`` with
``nextRecordsUrl`` paging, and Bulk API 2.0 query jobs with locator paging. SOQL is parsed
for the shapes lakecore sends (anything else is ``MALFORMED_QUERY``), comparing dateTimes at
whole seconds as Salesforce does. Tests drive a clock, change records (also while an
extraction pages through them: ``on_page``), and inject faults: HTTP 500/503,
``REQUEST_LIMIT_EXCEEDED``, a reset connection, an expired session.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import ssl
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

API = "59.0"
_SELECT = re.compile(
    r"^SELECT (?P<fields>[A-Za-z0-9_, ]+?) FROM (?P<obj>[A-Za-z0-9_]+)"
    r"(?: WHERE (?P<field>[A-Za-z0-9_]+) >= (?P<since>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ))?"
    r"(?: ORDER BY (?P<order>[A-Za-z0-9_, ]+))?$"
)
_COUNT = re.compile(r"^SELECT COUNT\(\) FROM (?P<obj>[A-Za-z0-9_]+)$")
FAULTS = ("500", "503", "limit", "reset", "expire")
#: The objects lakecore pulls, as the fake org describes them (besides Id, SystemModstamp, IsDeleted).
ACCOUNT_FIELDS = {"Name": "string", "Industry": "string", "BillingCountry": "string",
                  "CreatedDate": "datetime"}  # fmt: skip
LEAD_FIELDS = {"FirstName": "string", "LastName": "string", "Company": "string",
               "Email": "email", "Status": "picklist", "ConvertedAccountId": "reference",
               "CreatedDate": "datetime"}  # fmt: skip


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))


@dataclass
class FakeSalesforce:
    """The org's data and behaviour; ``serve`` puts it behind HTTPS."""

    client_id: str = "lakecore-test-client"
    client_secret: str = "fake-client-secret-0123456789"
    page_size: int = 200
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 1, tzinfo=UTC))
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)
    faults: deque[str] = field(default_factory=deque)
    #: called before each page of a query is served (a test's concurrent writer)
    on_page: Callable[[], None] | None = None
    requests: list[str] = field(default_factory=list)
    #: the SOQL of every query and bulk job, as received
    queries: list[str] = field(default_factory=list)
    #: where clients reach the API (``serve`` sets it)
    instance_url: str = ""
    _tokens: set[str] = field(default_factory=set)
    _cursors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _jobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # --- the org, as tests change it -------------------------------------------------------

    def define(self, obj: str, fields: dict[str, str]) -> None:
        base = {"Id": "id", "SystemModstamp": "datetime", "IsDeleted": "boolean"}
        self.fields[obj] = {**base, **fields}
        self.objects.setdefault(obj, {})

    def reset(self, now: datetime | None = None) -> None:
        """No records, no faults, the clock at ``now``; objects and credentials stay."""
        with self._lock:
            self.objects = {obj: {} for obj in self.fields}
            self._cursors.clear()
            self._jobs.clear()
            self.faults.clear()
            self.requests.clear()
            self.queries.clear()
            self.on_page = None
            self.now = now or datetime(2026, 11, 1, tzinfo=UTC)

    def tick(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def upsert(
        self, obj: str, values: dict[str, Any], *, record_id: str | None = None,
        at: datetime | None = None,
    ) -> str:  # fmt: skip
        """Insert (no ``record_id``) or update a record, stamped ``at`` (default: now).

        ``at`` earlier than now is a record that becomes visible late, as a long transaction's
        does; a record's stamp never goes back, as Salesforce's does not.
        """
        with self._lock:
            table = self.objects[obj]
            record_id = record_id or f"001{next(self._ids):015d}"
            previous = table.get(record_id)
            moment = at or self.now
            if previous is not None:
                moment = max(moment, _parse(previous["SystemModstamp"]) + timedelta(milliseconds=1))
            table[record_id] = {
                **(previous or {"IsDeleted": False}),
                **values,
                "Id": record_id,
                "SystemModstamp": stamp(moment),
            }
            return record_id

    def delete(self, obj: str, record_id: str) -> None:
        self.upsert(obj, {"IsDeleted": True}, record_id=record_id)

    def current(self, obj: str) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: dict(v) for k, v in self.objects[obj].items()}

    # --- the API ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes,
               headers: dict[str, str]) -> tuple[int, dict[str, str], bytes] | None:  # fmt: skip
        """One request: (status, headers, body), or None to drop the connection."""
        with self._lock:
            self.requests.append(f"{method} {path}")
            if path == "/services/oauth2/token":
                return self._token(body)
            if self.faults:
                fault = self.faults.popleft()
                if fault == "reset":
                    return None
                if fault == "expire":
                    self._tokens.clear()
                elif fault == "limit":
                    return _error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                elif fault == "400":
                    return _error(400, "MALFORMED_QUERY", "unexpected token")
                else:
                    return _error(int(fault), "SERVER_UNAVAILABLE", "try again later")
            token = headers.get("authorization", "").removeprefix("Bearer ")
            if token not in self._tokens:
                return _error(401, "INVALID_SESSION_ID", "Session expired or invalid")
            base = f"/services/data/v{API}/"
            if not path.startswith(base):
                return _error(404, "NOT_FOUND", "The requested resource does not exist")
            rest = path.removeprefix(base)
            if method == "GET" and (m := re.fullmatch(r"sobjects/(\w+)/describe/?", rest)):
                return self._describe(m[1])
            if method == "GET" and rest.rstrip("/") in ("query", "queryAll"):
                return self._query(query.get("q", ""), deleted=rest.startswith("queryAll"))
            if method == "GET" and (m := re.fullmatch(r"query/([\w-]+)", rest)):
                return self._page(m[1])
            if rest.startswith("jobs/query"):
                return self._bulk(method, rest.removeprefix("jobs/query"), query, body)
            return _error(404, "NOT_FOUND", f"no resource {rest}")

    def _token(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return _json(400, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return _json(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        token = f"00D!{next(self._ids):020d}"
        self._tokens.add(token)
        return _json(200, {"access_token": token, "instance_url": self.instance_url,
                           "token_type": "Bearer"})  # fmt: skip

    def _describe(self, obj: str) -> tuple[int, dict[str, str], bytes]:
        if obj not in self.fields:
            return _error(404, "NOT_FOUND", f"The requested resource does not exist: {obj}")
        fields = [
            {"name": n, "type": t, "nillable": n != "Id"} for n, t in self.fields[obj].items()
        ]
        return _json(200, {"name": obj, "fields": fields})

    def _select(self, soql: str, *, deleted: bool) -> tuple[list[dict[str, Any]] | None, Any]:
        self.queries.append(soql)
        if m := _COUNT.fullmatch(soql):
            if m["obj"] not in self.objects:
                return None, _error(
                    400, "INVALID_TYPE", f"sObject type '{m['obj']}' is not supported"
                )
            rows = [r for r in self.objects[m["obj"]].values() if deleted or not r["IsDeleted"]]
            return None, _json(200, {"totalSize": len(rows), "done": True, "records": []})
        m = _SELECT.fullmatch(soql)
        if not m:
            return None, _error(400, "MALFORMED_QUERY", "unexpected token")
        obj = m["obj"]
        if obj not in self.objects:
            return None, _error(400, "INVALID_TYPE", f"sObject type '{obj}' is not supported")
        names = [f.strip() for f in m["fields"].split(",")]
        order = [f.strip() for f in (m["order"] or "").split(",") if f.strip()]
        unknown = [f for f in (*names, *order, m["field"] or "Id") if f not in self.fields[obj]]
        if unknown:
            return None, _error(
                400, "INVALID_FIELD", f"No such column '{unknown[0]}' on entity '{obj}'"
            )
        rows = [r for r in self.objects[obj].values() if deleted or not r["IsDeleted"]]
        if m["field"]:
            since = _parse(m["since"])
            # Salesforce compares dateTimes at whole seconds.
            rows = [r for r in rows if _parse(r[m["field"]]).replace(microsecond=0) >= since]
        if order:
            rows.sort(key=lambda r: tuple(_sortable(r.get(f)) for f in order))
        out = [{"attributes": {"type": obj}, **{n: r.get(n) for n in names}} for r in rows]
        return out, None

    def _query(self, soql: str, *, deleted: bool) -> tuple[int, dict[str, str], bytes]:
        rows, answer = self._select(soql, deleted=deleted)
        if rows is None:
            return answer  # type: ignore[no-any-return]
        locator = f"01g{next(self._ids):015d}"
        self._cursors[locator] = rows
        return self._serve(locator, 0, total=len(rows))

    def _page(self, ref: str) -> tuple[int, dict[str, str], bytes]:
        locator, _, offset = ref.rpartition("-")
        if locator not in self._cursors or not offset.isdigit():
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._serve(locator, int(offset), total=len(self._cursors[locator]))

    def _serve(self, locator: str, offset: int, *, total: int) -> tuple[int, dict[str, str], bytes]:
        if self.on_page is not None:
            self.on_page()
        rows = self._cursors[locator]
        page = rows[offset : offset + self.page_size]
        done = offset + self.page_size >= len(rows)
        body: dict[str, Any] = {"totalSize": total, "done": done, "records": page}
        if not done:
            body["nextRecordsUrl"] = (
                f"/services/data/v{API}/query/{locator}-{offset + self.page_size}"
            )
        return _json(200, body)

    def _bulk(
        self, method: str, rest: str, query: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if method == "POST" and rest in ("", "/"):
            spec = json.loads(body or b"{}")
            rows, answer = self._select(
                spec.get("query", ""), deleted=spec.get("operation") == "queryAll"
            )
            if rows is None:
                return answer  # type: ignore[no-any-return]
            job = f"750{next(self._ids):015d}"
            self._jobs[job] = rows
            return _json(
                200, {"id": job, "operation": spec["operation"], "state": "UploadComplete"}
            )
        m = re.fullmatch(r"/(\w+)(/results)?", rest)
        if not m or m[1] not in self._jobs:
            return _error(404, "NOT_FOUND", "no such job")
        rows = self._jobs[m[1]]
        if not m[2]:
            return _json(
                200, {"id": m[1], "state": "JobComplete", "numberRecordsProcessed": len(rows)}
            )
        if self.on_page is not None:
            self.on_page()
        offset = int(query.get("locator") or 0)
        size = int(query.get("maxRecords") or 50_000)
        page = rows[offset : offset + size]
        names = [k for k in (rows[0] if rows else {}) if k != "attributes"]
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(names)
        for row in page:
            writer.writerow([_csv_value(row.get(n)) for n in names])
        nxt = offset + size
        headers = {
            "Content-Type": "text/csv",
            "Sforce-NumberOfRecords": str(len(page)),
            "Sforce-Locator": str(nxt) if nxt < len(rows) else "null",
        }
        return 200, headers, text.getvalue().encode()


def _sortable(value: Any) -> tuple[int, str]:
    return (0, "") if value is None else (1, str(value))


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", value
    ):
        return value.replace("+0000", "Z")  # Bulk 2.0 writes dateTimes with a Z
    return str(value)


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return _json(status, [{"message": message, "errorCode": code}])


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSalesforce
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: with Nagle's algorithm on, each response
    # would wait for the client's delayed ACK (~40 ms a call).
    disable_nagle_algorithm = True

    def _any(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.fake.handle(self.command, parts.path, query, body, headers)
        if answer is None:
            self.close_connection = True
            self.connection.close()
            return
        status, extra, payload = answer
        self.send_response(status)
        for key, value in extra.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = _any

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serve(fake: FakeSalesforce, ca_path: Path, port: int = 0) -> Iterator[str]:
    """Serve ``fake`` on https://127.0.0.1:<port>; the CA to trust is written to ``ca_path``.
    Yields the base URL (the login and the instance URL)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(ca_path))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    url = f"https://127.0.0.1:{server.server_address[1]}"
    fake.instance_url = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
