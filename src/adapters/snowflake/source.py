"""``SnowflakeSource``: a Snowflake table pulled a day at a time with the Python connector.

One query reads the window of the dataset's day column (``extraction.cursor[0]``), ordered,
as Arrow batches; records are cut into one chunk per day, so the driver holds one day at a
time and bronze gets one commit per day. A day is named ``snowflake/<TABLE>/<day>`` and
marked replayable: the same day with the same content again (a replayed or overlapping
window) commits nothing. Rows whose day column is null come in a chunk of their own
(``.../undated``), so they are quarantined with a reason rather than never read.

For windows of hundreds of millions of rows, the route is ``COPY INTO @stage`` (UNLOAD to
S3 as Parquet) and a Spark read of the files; see docs/SOURCES.md. This adapter is the
connector route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import snowflake.connector
from snowflake.connector import errors as sf_errors

from adapters.retries import RetryPolicy, retried
from lakecore.errors import ConfigurationError, TerminalError, first_line
from lakecore.extract import check_fields
from lakecore.ports import Extracted, LandingDataset, SecretStore

#: The secret with ``account``, ``user``, ``password`` (and optionally the rest of ``Login``).
LOGIN = "lakecore/snowflake"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,254}$")


@dataclass(frozen=True, slots=True)
class Window:
    """Days ``first`` through ``last``, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ConfigurationError(
                f"the window ends ({self.last}) before it starts ({self.first})"
            )


@dataclass(frozen=True, slots=True)
class SnowflakeConfig:
    database: str
    schema: str
    warehouse: str | None = None
    role: str | None = None
    #: where the connector connects, for a local stand-in (the account's own URL otherwise)
    host: str | None = None
    port: int | None = None
    protocol: str = "https"
    #: how many days before its cursor a daily extraction reads again (late corrections)
    lookback_days: int = 3
    retries: RetryPolicy = field(default_factory=RetryPolicy)


class SnowflakeSource:
    """Implements ``lakecore.ports.Source``. With a ``window``, extracts those days (a
    backfill); without, the days from the committed cursor (less ``lookback_days``), or from
    the first day the table holds, through the newest."""

    def __init__(
        self, config: SnowflakeConfig, secrets: SecretStore, window: Window | None = None
    ) -> None:
        self._config = config
        self._secrets = secrets
        self._window = window

    def extract(self, dataset: LandingDataset, state: str | None) -> Iterator[Extracted]:
        extraction = dataset.extraction
        if extraction is None:
            raise ConfigurationError(f"{dataset.bronze.id} is not extracted from Snowflake")
        table = identifier(extraction.object)
        day_column = identifier(extraction.cursor[0])
        saved = json.loads(state) if state else {}
        with self._connect() as connection:
            cursor = connection.cursor()
            described = self._retrying(lambda: columns(cursor, self._config, table))
            if not described:
                raise ConfigurationError(
                    f"snowflake has no table {self._config.database}.{self._config.schema}.{table}"
                )
            check_fields(
                "snowflake", table, dataset.fields, described, previous=saved.get("fields")
            )
            window = self._window or self._since(cursor, table, day_column, saved.get("through"))
            through = saved.get("through")
            # Columns the table gained since the pipeline was written reach bronze too.
            fields = [*dataset.fields, *(c for c in described if c not in dataset.fields)]
            names = [f"snowflake/{table}/undated"]
            if window is not None:
                days = (window.last - window.first).days + 1
                names += [f"snowflake/{table}/{window.first + timedelta(d)}" for d in range(days)]
                for day, records in self._days(cursor, table, day_column, fields, window):
                    through = max(through or day, day)
                    yield Extracted(
                        name=f"snowflake/{table}/{day}",
                        records=records,
                        state=_state(through, described),
                        replayable=True,
                        expected=tuple(names),
                    )
            undated = self._undated(cursor, table, day_column, fields)
            if undated:
                yield Extracted(
                    name=f"snowflake/{table}/undated",
                    records=undated,
                    state=_state(through, described),
                    replayable=True,
                    expected=tuple(names),
                )

    # --- queries --------------------------------------------------------------------------------

    def _since(self, cursor: Any, table: str, column: str, through: str | None) -> Window | None:
        """The days a daily extraction reads: from the cursor (less the look-back) or the
        first day, through the newest day the table holds."""
        query = f'SELECT MIN("{column}"), MAX("{column}") FROM {self._qualified(table)}'  # nosec B608
        low, high = self._retrying(lambda: cursor.execute(query).fetchone())
        if high is None:
            return None
        first = _as_date(low)
        if through is not None:
            first = max(
                first, date.fromisoformat(through) - timedelta(days=self._config.lookback_days)
            )
        return Window(first, _as_date(high))

    def _days(
        self, cursor: Any, table: str, column: str, fields: Sequence[str], window: Window
    ) -> Iterator[tuple[str, list[dict[str, str | None]]]]:
        names = ", ".join(f'"{identifier(f)}"' for f in fields)
        query = (
            f"SELECT {names} FROM {self._qualified(table)}"  # nosec B608
            f' WHERE "{column}" >= %s AND "{column}" < %s ORDER BY "{column}", {names}'
        )
        start = datetime.combine(window.first, datetime.min.time())
        end = datetime.combine(window.last + timedelta(days=1), datetime.min.time())
        self._retrying(lambda: cursor.execute(query, (start, end)))
        day: str | None = None
        records: list[dict[str, str | None]] = []
        for batch in cursor.fetch_arrow_batches():
            for row in batch.to_pylist():
                today = _as_date(row[column]).isoformat()
                if day is not None and today != day:
                    yield day, records
                    records = []
                day = today
                records.append({f: _text(row.get(f)) for f in fields})
        if day is not None:
            yield day, records

    def _undated(
        self, cursor: Any, table: str, column: str, fields: Sequence[str]
    ) -> list[dict[str, str | None]]:
        names = ", ".join(f'"{identifier(f)}"' for f in fields)
        query = (
            f"SELECT {names} FROM {self._qualified(table)}"  # nosec B608
            f' WHERE "{column}" IS NULL ORDER BY {names}'
        )
        rows = self._retrying(lambda: cursor.execute(query).fetchall())
        # The day column is null by the query: said so, whatever the wire made of it.
        return [
            {**{f: _text(v) for f, v in zip(fields, row, strict=True)}, column: None}
            for row in rows
        ]

    def _qualified(self, table: str) -> str:
        config = self._config
        return f'"{identifier(config.database)}"."{identifier(config.schema)}"."{table}"'

    # --- connection, retries ----------------------------------------------------------------------

    def _connect(self) -> Any:
        login = self._secrets.get(LOGIN)
        missing = [k for k in ("account", "user") if not login.get(k)]
        if missing or not (login.get("password") or login.get("private_key")):
            raise ConfigurationError(
                f"secret {LOGIN} needs account, user and password or private_key"
            )
        config = self._config
        options: dict[str, Any] = {
            "account": login["account"],
            "user": login["user"],
            "database": config.database,
            "schema": config.schema,
            "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
            "login_timeout": 60,
            # No probing of cloud metadata endpoints at each login (the connector's platform
            # telemetry): where the names do not resolve it waited seconds per connection.
            "platform_detection_timeout_seconds": 0.0,
        }
        if login.get("password"):
            options["password"] = login["password"]
        else:
            options["private_key"] = login["private_key"].encode()
        for key in ("warehouse", "role", "host", "port", "protocol"):
            value = getattr(config, key)
            if value is not None:
                options[key] = value
        try:
            return self._retrying(lambda: snowflake.connector.connect(**options))
        except sf_errors.DatabaseError as exc:
            raise TerminalError(f"snowflake refused the login in {LOGIN} ({exc.errno})") from None

    def _retrying(self, call: Any) -> Any:
        try:
            return retried(call, system="snowflake", policy=self._config.retries,
                           transient=_is_transient, describe=_describe)  # fmt: skip
        except sf_errors.ProgrammingError as exc:
            raise TerminalError(f"snowflake refused a query: {first_line(exc.msg)[:200]}") from None


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, sf_errors.OperationalError | sf_errors.InterfaceError)


def _describe(exc: BaseException | None) -> str:
    return type(exc).__name__ if exc else "unknown error"


def identifier(name: str) -> str:
    """A Snowflake identifier lakecore may quote: letters, digits, ``_`` and ``$``."""
    if not _IDENTIFIER.fullmatch(name):
        raise ConfigurationError(f"not a Snowflake identifier: {name!r}")
    return name


def columns(cursor: Any, config: SnowflakeConfig, table: str) -> dict[str, str]:
    """The table's columns and their types, as its information schema says now."""
    query = (
        f'SELECT COLUMN_NAME, DATA_TYPE FROM "{identifier(config.database)}".INFORMATION_SCHEMA.COLUMNS'  # nosec B608
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION"
    )
    cursor.execute(query, (config.schema, table))
    return {str(name): str(kind) for name, kind in cursor.fetchall()}


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def _text(value: Any) -> str | None:
    """A value as bronze keeps it: timestamps ISO with a space, decimals as written."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _state(through: str | None, described: Mapping[str, str]) -> str:
    return json.dumps(
        {"through": through, "fields": dict(sorted(described.items()))}, sort_keys=True
    )
