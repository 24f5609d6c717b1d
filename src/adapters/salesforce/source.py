"""``SalesforceSource``: Salesforce objects pulled incrementally through simple-salesforce.

* Incremental runs use REST ``queryAll`` (deleted records arrive as ``IsDeleted``
  tombstones), ordered by the cursor ``(SystemModstamp, Id)`` and paged through
  ``nextRecordsUrl``; a chunk is committed every ``chunk_records`` records with the cursor
  of its last record, so a long extraction resumes where it stopped.
* Each run re-reads ``lookback`` before its cursor, at whole seconds (SOQL compares
  dateTimes at second precision): records that became visible late, or share the cursor's
  timestamp, are read again, and lakecore drops the versions bronze already holds
  (``Overlap`` on ``(Id, SystemModstamp)``).
* A first load of more than ``bulk_threshold`` records runs as a Bulk API 2.0 ``queryAll``
  job, paged by its locator; the job and locator are the state committed with each page,
  so a crash resumes the same job.
* Every HTTP call is retried with backoff on 5xx, ``REQUEST_LIMIT_EXCEEDED`` and connection
  errors (``TransientError``, exit 75, once retries run out); an expired session is renewed
  once; a refused credential is a ``TerminalError``.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.util import call_salesforce

from adapters.retries import RetryPolicy, retried
from adapters.salesforce import soql
from lakecore.errors import ConfigurationError, TerminalError
from lakecore.extract import check_fields
from lakecore.ports import Extracted, LandingDataset, Overlap, SecretStore

T = TypeVar("T")

#: The name, in the SecretStore, of the connected app's ``client_id`` and ``client_secret``.
CONNECTED_APP = "lakecore/salesforce"
_CURSOR, _TIEBREAK = "SystemModstamp", "Id"
_DATETIME_TYPES = frozenset({"datetime"})
#: Compound fields (addresses, geolocations) are read through their components.
_COMPOUND_TYPES = frozenset({"address", "location"})


@dataclass(frozen=True, slots=True)
class SalesforceConfig:
    #: where the OAuth token comes from: https://login.salesforce.com, or a My Domain
    login_url: str
    api_version: str = "59.0"
    lookback: timedelta = timedelta(minutes=10)
    #: a first load larger than this many records runs as a Bulk API 2.0 job
    bulk_threshold: int = 100_000
    chunk_records: int = 50_000
    retries: RetryPolicy = field(default_factory=RetryPolicy)
    #: a CA bundle to trust (a test server's); the system's when unset
    ca_bundle: str | None = None
    timeout_seconds: float = 120.0


class SalesforceSource:
    """Implements ``lakecore.ports.Source`` for datasets whose ``extraction.object`` is a
    Salesforce object; every declared field is selected, as text."""

    def __init__(
        self,
        config: SalesforceConfig,
        secrets: SecretStore,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._secrets = secrets
        self._sleep = sleep
        self._client: Salesforce | None = None

    # --- the port ---------------------------------------------------------------------------

    def extract(self, dataset: LandingDataset, state: str | None) -> Iterator[Extracted]:
        extraction = dataset.extraction
        if extraction is None:
            raise ConfigurationError(f"{dataset.bronze.id} is not extracted from Salesforce")
        if extraction.cursor != (_CURSOR, _TIEBREAK):
            raise ConfigurationError(
                f"{dataset.bronze.id}: Salesforce changes are ordered by ({_CURSOR}, {_TIEBREAK}),"
                f" not {extraction.cursor}"
            )
        obj = soql.name(extraction.object, what="object")
        described = self._describe(obj)
        check_fields(
            "salesforce", obj, _selected(dataset.fields), described, previous=_fields_of(state)
        )
        saved = json.loads(state) if state else {}
        if "bulk" in saved:
            yield from self._bulk(obj, dataset, described, saved["bulk"])
            return
        cursor = saved.get("cursor")
        if cursor is None and self._count(obj) > self._config.bulk_threshold:
            yield from self._bulk(obj, dataset, described, None)
            return
        yield from self._rest(obj, dataset, described, cursor)

    # --- REST queryAll ------------------------------------------------------------------------

    def _rest(
        self,
        obj: str,
        dataset: LandingDataset,
        described: Mapping[str, str],
        cursor: Mapping[str, str] | None,
    ) -> Iterator[Extracted]:
        since = None
        overlap = None
        if cursor is not None:
            moment = _parse_datetime(cursor[_CURSOR]) - self._config.lookback
            since = moment.replace(microsecond=0)
            overlap = Overlap(_CURSOR, f"{since:%Y-%m-%dT%H:%M:%S}", (_TIEBREAK, _CURSOR))
        fields = _selected(dataset.fields, described)
        query = soql.select(
            obj,
            fields,
            known=described,
            since=None if since is None else (_CURSOR, since),
            order_by=(_CURSOR, _TIEBREAK),
        )
        page = self._call(lambda sf: sf.query(query, include_deleted=True))
        total = int(page.get("totalSize", 0))
        chunk: list[dict[str, str | None]] = []
        taken = 0
        while True:
            chunk.extend(_as_text(r, fields, described) for r in page["records"])
            done = bool(page["done"])
            if len(chunk) >= self._config.chunk_records or (done and chunk):
                taken += 1
                last = chunk[-1]
                state = {"cursor": {_CURSOR: last[_CURSOR], _TIEBREAK: last[_TIEBREAK]}}
                yield Extracted(
                    name=f"salesforce/{obj}/{last[_CURSOR]}/{taken}",
                    records=chunk,
                    state=_state(state, described),
                    overlap=overlap,
                    total=total,
                )
                chunk = []
            if done:
                return
            page = self._more(str(page["nextRecordsUrl"]))

    def _more(self, url: str) -> Any:
        return self._call(lambda sf: sf.query_more(url, identifier_is_url=True))

    def _count(self, obj: str) -> int:
        result = self._call(lambda sf: sf.query(soql.count(obj), include_deleted=True))
        return int(result["totalSize"])

    # --- Bulk API 2.0 -------------------------------------------------------------------------

    def _bulk(
        self,
        obj: str,
        dataset: LandingDataset,
        described: Mapping[str, str],
        resumed: Mapping[str, Any] | None,
    ) -> Iterator[Extracted]:
        fields = _selected(dataset.fields, described)
        overlap = None
        if resumed is not None and not self._job_alive(resumed["job"]):
            # The job expired mid-way: a new one delivers every record again.
            overlap = Overlap(_CURSOR, None, (_TIEBREAK, _CURSOR))
            resumed = None
        if resumed is None:
            query = soql.select(obj, fields, known=described)
            job = self._bulk_call("POST", "", json.dumps({"operation": "queryAll", "query": query}))
            resumed = {"job": job.json()["id"], "locator": "", "page": 0, "max": None}
        job_id, locator = str(resumed["job"]), str(resumed["locator"])
        page_no, newest = int(resumed["page"]), resumed["max"]
        self._wait(job_id)
        total = int(self._bulk_call("GET", f"/{job_id}").json().get("numberRecordsProcessed", 0))
        while True:
            params: dict[str, Any] = {"maxRecords": self._config.chunk_records}
            if locator:
                params["locator"] = locator
            response = self._bulk_call("GET", f"/{job_id}/results", params=params, csv_text=True)
            locator = response.headers.get("Sforce-Locator", "")
            locator = "" if locator == "null" else locator
            records = [_as_text(r, fields, described) for r in _csv_records(response.text)]
            for record in records:
                mark = (record[_CURSOR] or "", record[_TIEBREAK] or "")
                if newest is None or mark > tuple(newest):
                    newest = list(mark)
            page_no += 1
            if locator:
                state: dict[str, Any] = {
                    "bulk": {"job": job_id, "locator": locator, "page": page_no, "max": newest}
                }
            else:  # the job is read: from here on, incremental from the newest version seen
                cursor = None if newest is None else {_CURSOR: newest[0], _TIEBREAK: newest[1]}
                state = {"cursor": cursor}
            yield Extracted(
                name=f"salesforce/{obj}/bulk/{job_id}/{page_no}",
                records=records,
                state=_state(state, described),
                overlap=overlap,
                total=total,
            )
            if not locator:
                return

    def _job_alive(self, job_id: str) -> bool:
        try:
            state = self._bulk_call("GET", f"/{job_id}").json().get("state")
        except SalesforceResourceNotFound:
            return False
        return state in ("UploadComplete", "InProgress", "JobComplete")

    def _wait(self, job_id: str) -> None:
        delay = 0.5
        while True:
            info = self._bulk_call("GET", f"/{job_id}").json()
            if info["state"] == "JobComplete":
                return
            if info["state"] in ("Failed", "Aborted"):
                reason = str(info.get("errorMessage", ""))[:200]
                raise TerminalError(f"salesforce bulk job {job_id} {info['state']}: {reason}")
            self._sleep(delay)
            delay = min(delay * 2, 10.0)

    def _bulk_call(
        self,
        method: str,
        path: str,
        data: str | None = None,
        params: Mapping[str, Any] | None = None,
        csv_text: bool = False,
    ) -> requests.Response:
        def call(sf: Salesforce) -> requests.Response:
            headers = {
                **sf.headers,
                "Content-Type": "application/json",
                "Accept": "text/csv" if csv_text else "application/json",
            }
            return call_salesforce(
                url=f"{sf.bulk2_url}query{path}",
                method=method,
                session=sf.session,
                headers=headers,
                data=data,
                params=params,
                timeout=self._config.timeout_seconds,
            )

        return self._call(call)

    # --- calls: authentication, retries -------------------------------------------------------

    def _describe(self, obj: str) -> dict[str, str]:
        """The object's fields and their types, as the org describes them now."""
        described = self._call(lambda sf: getattr(sf, obj).describe())
        return {f["name"]: f["type"] for f in described["fields"]}

    def _call(self, call: Callable[[Salesforce], T]) -> T:
        """``call`` with a client, retried on transient failures, the session renewed once."""
        renewed = False
        while True:
            try:
                return self._retrying(lambda: call(self._connected()))
            except SalesforceExpiredSession:
                if renewed:
                    raise TerminalError(
                        "salesforce refused the session twice: check the connected app"
                    ) from None
                renewed = True
                self._client = None

    def _retrying(self, call: Callable[[], T]) -> T:
        try:
            return retried(call, system="salesforce", policy=self._config.retries,
                           transient=is_transient, describe=describe, sleep=self._sleep)  # fmt: skip
        except SalesforceExpiredSession:
            raise
        except SalesforceError as exc:
            raise TerminalError(f"salesforce refused a request: {describe(exc)}") from None

    def _connected(self) -> Salesforce:
        if self._client is None:
            session = requests.Session()
            session.trust_env = False  # REQUESTS_CA_BUNDLE would override ``verify``
            session.verify = self._config.ca_bundle or True
            token = self._token(session)
            self._client = Salesforce(
                instance_url=token["instance_url"],
                session_id=token["access_token"],
                version=self._config.api_version,
                session=session,
            )
        return self._client

    def _token(self, session: requests.Session) -> Mapping[str, str]:
        """An access token by the OAuth 2.0 client-credentials flow."""
        credential = self._secrets.get(CONNECTED_APP)
        missing = [k for k in ("client_id", "client_secret") if not credential.get(k)]
        if missing:
            raise ConfigurationError(f"secret {CONNECTED_APP} lacks {', '.join(missing)}")
        response = session.post(
            f"{self._config.login_url.rstrip('/')}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": credential["client_id"],
                "client_secret": credential["client_secret"],
            },
            timeout=self._config.timeout_seconds,
        )
        if response.status_code >= 500:
            response.raise_for_status()  # an HTTPError: transient, retried
        if response.status_code != 200:
            error = _json(response).get("error", f"HTTP {response.status_code}")
            raise TerminalError(f"salesforce refused the credential in {CONNECTED_APP} ({error})")
        body = _json(response)
        if "access_token" not in body or "instance_url" not in body:
            raise TerminalError("salesforce answered the token request without a token")
        return body


# --- what is transient, and how to say what went wrong --------------------------------------


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(exc, requests.HTTPError):
        return exc.response is not None and exc.response.status_code >= 500
    if isinstance(exc, SalesforceGeneralError):
        return exc.status >= 500
    if isinstance(exc, SalesforceRefusedRequest):
        return "REQUEST_LIMIT_EXCEEDED" in str(exc.content)
    return False


def describe(exc: BaseException | None) -> str:
    """One line about a failed call: status and Salesforce's error code, never a header."""
    if isinstance(exc, SalesforceError):
        content = exc.content
        if isinstance(content, list) and content and isinstance(content[0], dict):
            return f"HTTP {exc.status} {content[0].get('errorCode', '')}".strip()
        return f"HTTP {exc.status}"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__ if exc else "unknown error"


# --- fields ---------------------------------------------------------------------------------


def _selected(declared: Sequence[str], described: Mapping[str, str] | None = None) -> list[str]:
    """The declared fields, the cursor's, and every custom field the object has now (admins
    add them all the time: they reach bronze as new columns)."""
    fields = list(dict.fromkeys(declared))
    for required in (_TIEBREAK, _CURSOR):
        if required not in fields:
            fields.append(required)
    custom = sorted(
        name
        for name, kind in (described or {}).items()
        if name.endswith("__c") and kind not in _COMPOUND_TYPES and name not in fields
    )
    return fields + custom


def _as_text(
    record: Mapping[str, Any], fields: Sequence[str], described: Mapping[str, str]
) -> dict[str, str | None]:
    return {f: _text(record.get(f), described.get(f, "string")) for f in fields}


def _text(value: Any, kind: str) -> str | None:
    """A field's value as bronze keeps it: text, dateTimes in one form, empty CSV as null."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if kind in _DATETIME_TYPES:
        return _datetime_text(_parse_datetime(str(value)))
    return str(value)


def _parse_datetime(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _datetime_text(moment: datetime) -> str:
    """REST's own form: ``2026-11-29T12:00:03.000+0000``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}+0000"
    )


def _csv_records(text: str) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(text))


def _state(state: Mapping[str, Any], described: Mapping[str, str]) -> str:
    """The state committed with a chunk: where to carry on, and the types seen."""
    return json.dumps({**state, "fields": dict(sorted(described.items()))}, sort_keys=True)


def _fields_of(state: str | None) -> Mapping[str, str] | None:
    if not state:
        return None
    fields = json.loads(state).get("fields")
    return fields if isinstance(fields, dict) else None


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
