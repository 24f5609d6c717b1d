"""Source credentials stay secret: the SecretStore's errors name secrets, variables and
files, never values; every value it hands out is masked in logs; a refused credential or a
failed call is one line without the secret, the token or a header."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from adapters.salesforce.source import SalesforceSource
from adapters.secrets.local import LocalSecretStore, variable
from entrypoints.logs import SecretValues
from lakecore.errors import ConfigurationError, TerminalError
from pipelines import orders as lh
from tests.conftest import ServedSalesforce

SECRET = f"s3cr3t-{secrets.token_hex(12)}"


@pytest.mark.parametrize(
    "text",
    [f"not json {SECRET}", json.dumps([SECRET]), json.dumps({"client_secret": [SECRET]})],
)
def test_a_malformed_secret_is_named_not_shown(text: str) -> None:
    store = LocalSecretStore({variable("lakecore/salesforce"): text})
    with pytest.raises(ConfigurationError) as raised:
        store.get("lakecore/salesforce")
    assert SECRET not in str(raised.value)
    assert "LAKECORE_SECRET_SALESFORCE" in str(raised.value)


def test_a_secret_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lakecore" / "salesforce.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"client_secret": SECRET}))
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="may be read by others: chmod 600 it") as raised:
        LocalSecretStore({}, tmp_path).get("lakecore/salesforce")
    assert SECRET not in str(raised.value)
    path.chmod(0o600)
    assert LocalSecretStore({}, tmp_path).get("lakecore/salesforce") == {"client_secret": SECRET}


def test_a_secret_name_cannot_reach_outside_its_folder(tmp_path: Path) -> None:
    (tmp_path / "outside.json").write_text("{}")
    folder = tmp_path / "secrets"
    folder.mkdir()
    with pytest.raises(ConfigurationError, match="not found"):
        LocalSecretStore({}, folder).get("../outside")


def test_every_value_handed_out_is_masked_in_logs() -> None:
    masker = SecretValues()
    store = LocalSecretStore(
        {variable("lakecore/snowflake"): json.dumps({"user": "etl", "password": SECRET})},
        reveal=masker.add,
    )
    store.get("lakecore/snowflake")
    assert masker.mask_text(f"connecting with {SECRET}") == "connecting with ***"


def test_a_refused_salesforce_credential_shows_no_secret(salesforce: ServedSalesforce) -> None:
    source = SalesforceSource(
        salesforce.config(),
        salesforce.secrets(client_id=salesforce.fake.client_id, client_secret=SECRET),
        sleep=lambda _: None,
    )
    with pytest.raises(TerminalError) as raised:
        list(source.extract(lh.ACCOUNTS_LANDING, None))
    assert SECRET not in str(raised.value)


def test_a_failed_salesforce_call_shows_no_token(salesforce: ServedSalesforce) -> None:
    salesforce.fake.faults.append("400")
    with pytest.raises(TerminalError) as raised:
        list(salesforce.source().extract(lh.ACCOUNTS_LANDING, None))
    assert str(raised.value) == "salesforce refused a request: HTTP 400 MALFORMED_QUERY"
    assert "Bearer" not in str(raised.value)
    assert "00D!" not in str(raised.value)  # the fake's tokens
