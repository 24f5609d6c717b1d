"""SOQL built from checked parts: names must be API names the org described, the one literal
(a dateTime) is formatted from a typed value, and no text from outside is pasted in."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from lakecore.errors import ConfigurationError

#: An API name: a letter, then letters, digits and single underscores (``ns__Name__c`` too).
_API_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?:__[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)*$")


def name(value: str, *, known: Collection[str] | None = None, what: str = "field") -> str:
    """``value`` if it is an API name (and, given ``known``, one of them)."""
    if len(value) > 80 or not _API_NAME.fullmatch(value):
        raise ConfigurationError(f"not a Salesforce {what} name: {value!r}")
    if known is not None and value not in known:
        raise ConfigurationError(f"Salesforce has no {what} {value!r}")
    return value


def timestamp(value: datetime) -> str:
    """A SOQL dateTime literal (UTC, whole seconds: SOQL compares at second precision)."""
    moment = value.astimezone(UTC) if value.tzinfo else value
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def select(
    obj: str,
    fields: Sequence[str],
    *,
    known: Collection[str],
    since: tuple[str, datetime] | None = None,
    order_by: Sequence[str] = (),
) -> str:
    """``SELECT fields FROM obj [WHERE field >= since] [ORDER BY ...]``, every name checked."""
    columns = ", ".join(name(f, known=known) for f in fields)
    # Every name passed ``name``; the one literal is formatted from a datetime.
    query = f"SELECT {columns} FROM {name(obj, what='object')}"  # nosec B608
    if since is not None:
        query += f" WHERE {name(since[0], known=known)} >= {timestamp(since[1])}"
    if order_by:
        query += " ORDER BY " + ", ".join(name(f, known=known) for f in order_by)
    return query


def count(obj: str) -> str:
    return f"SELECT COUNT() FROM {name(obj, what='object')}"  # nosec B608
