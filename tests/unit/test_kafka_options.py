"""The ``lakecore/kafka`` secret as both Kafka clients' options, the secret being optional,
and what a checkpoint folder says (no broker, no Spark: the real ones are in
``tests/integration/test_stream_kafka.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from adapters.kafka.checkpoint import Committed, committed
from adapters.kafka.security import KafkaSecurity, jaas_quoted, kafka_security
from adapters.kafka.stream import translated
from adapters.kafka.topics import _authentication_failure
from adapters.secrets.aws import SecretsManagerStore
from adapters.secrets.local import LocalSecretStore, variable
from entrypoints.stream import security_of
from lakecore.errors import ConfigurationError, TerminalError, TransientError
from tests.fakes.kafka import checkpoint_files, write_checkpoint

PASSWORD = 'pw "with" \\ quotes-7'  # pragma: allowlist secret
SCRAM = {
    "security_protocol": "SASL_SSL",
    "sasl_mechanism": "SCRAM-SHA-512",
    "sasl_username": "lakecore-etl",
    "sasl_password": PASSWORD,
}


def test_no_secret_is_plaintext_with_no_options() -> None:
    assert kafka_security(None) == KafkaSecurity("PLAINTEXT", None, {}, {})


def test_a_sasl_secret_gives_both_clients_the_same_login() -> None:
    security = kafka_security(SCRAM)

    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="lakecore-etl" password="pw \\"with\\" \\\\ quotes-7";'  # pragma: allowlist secret
    )
    assert security.spark_options == {
        "kafka.security.protocol": "SASL_SSL",
        "kafka.sasl.mechanism": "SCRAM-SHA-512",
        "kafka.sasl.jaas.config": jaas,
    }
    assert security.client_options == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "lakecore-etl",
        "sasl.password": PASSWORD,
    }
    assert PASSWORD not in repr(security)


def test_plain_uses_its_login_module_and_username_password_are_accepted() -> None:
    security = kafka_security(
        {"security_protocol": "sasl_plaintext", "sasl_mechanism": "plain",
         "username": "etl", "password": "pw-plain-1"}  # pragma: allowlist secret
    )  # fmt: skip
    assert (security.protocol, security.mechanism) == ("SASL_PLAINTEXT", "PLAIN")
    assert security.spark_options["kafka.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="etl" password="pw-plain-1";'  # pragma: allowlist secret
    )
    assert security.client_options["sasl.password"] == "pw-plain-1"  # pragma: allowlist secret


def test_tls_without_sasl_sets_only_the_protocol() -> None:
    security = kafka_security({"security_protocol": "SSL", "bootstrap_servers": "b:9094"})
    assert security.spark_options == {"kafka.security.protocol": "SSL"}
    assert security.client_options == {"security.protocol": "SSL"}


def test_jaas_values_read_back_exactly_by_the_java_client() -> None:
    # What Kafka's JAAS parser (java.io.StreamTokenizer) reads back as a\nb<DEL>"\ö:
    # checked against kafka-clients 3.9's JaasContext.
    assert jaas_quoted('a\nb\x7f"\\ö') == '"a\\012b\\177\\"\\\\ö"'


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ({}, "security_protocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"),
        ({**SCRAM, "security_protocol": "SASL"}, "security_protocol must be one of"),
        ({**SCRAM, "sasl_mechanism": "GSSAPI"}, "sasl_mechanism must be one of PLAIN, SCRAM-"),
        ({**SCRAM, "sasl_mechanism": PASSWORD}, "sasl_mechanism must be one of"),
        ({k: v for k, v in SCRAM.items() if k != "sasl_password"}, "SASL needs sasl_password"),
        ({**SCRAM, "sasl_password": ""}, "SASL needs sasl_password"),
        ({**SCRAM, "password": PASSWORD}, "give sasl_password or password, not both"),
        ({**SCRAM, "security_protocol": "SSL"}, "sasl_mechanism, sasl_username, sasl_password"),
    ],
)
def test_a_malformed_secret_is_one_line_naming_the_key_not_the_value(
    secret: dict[str, str], why: str
) -> None:
    with pytest.raises(ConfigurationError, match=r"^secret lakecore/kafka: ") as raised:
        kafka_security(secret)
    message = str(raised.value)
    assert why in message
    assert PASSWORD not in message
    assert "\n" not in message
    assert raised.value.exit_code == 2


class _SecretsManager:
    """A Secrets Manager client that answers every read with one error code."""

    def __init__(self, code: str) -> None:
        self._code = code

    def get_secret_value(self, SecretId: str) -> Any:
        raise ClientError({"Error": {"Code": self._code, "Message": "..."}}, "GetSecretValue")


def test_the_secret_is_optional_in_both_stores() -> None:
    assert security_of(LocalSecretStore({})) == KafkaSecurity()
    assert security_of(SecretsManagerStore(_SecretsManager("ResourceNotFoundException"))) == (
        KafkaSecurity()
    )
    local = LocalSecretStore({variable("lakecore/kafka"): json.dumps(SCRAM)})
    assert security_of(local) == kafka_security(SCRAM)


@pytest.mark.parametrize(
    "store",
    [
        LocalSecretStore({variable("lakecore/kafka"): f"not json {PASSWORD}"}),
        LocalSecretStore({variable("lakecore/kafka"): json.dumps({"security_protocol": "X"})}),
        SecretsManagerStore(_SecretsManager("AccessDeniedException")),
    ],
)
def test_a_secret_that_is_there_but_unusable_is_an_error(store: Any) -> None:
    with pytest.raises(ConfigurationError, match="lakecore/kafka") as raised:
        security_of(store)
    assert PASSWORD not in str(raised.value)


def test_a_secret_file_others_may_read_is_not_taken_for_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "lakecore" / "kafka.json"
    path.parent.mkdir()
    path.write_text(json.dumps(SCRAM))
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="may be read by others"):
        security_of(LocalSecretStore({}, tmp_path))


def test_refused_credentials_stop_the_stream_as_a_configuration_error() -> None:
    refused = translated(
        "[STREAM_FAILED] Query [id = 1] terminated with exception: Authentication failed\n"
        "org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed: "
        "Invalid username or password"
    )
    assert isinstance(refused, ConfigurationError)
    assert "check the secret lakecore/kafka" in str(refused)
    assert isinstance(translated("Timeout of 30000ms expired"), TransientError)
    assert isinstance(translated("boom"), TerminalError)


def test_librdkafkas_refusal_is_shortened_to_its_reason() -> None:
    detail = (
        "sasl_plaintext://127.0.0.1:40001/bootstrap: SASL authentication error: Authentication "
        "failed: Invalid username or password (after 305ms in state AUTH_REQ)"
    )
    assert _authentication_failure(detail) == "Authentication failed: Invalid username or password"


# --- the checkpoint ------------------------------------------------------------------------


def test_a_local_checkpoint_gives_the_last_finished_batch(tmp_path: Path) -> None:
    write_checkpoint(tmp_path / "c", checkpoint_files("orders_events", finished=10, planned=11))
    expected = Committed(10, {0: 1100, 1: 1101, 2: 1102})
    assert committed(str(tmp_path / "c"), "orders_events") == expected
    assert committed((tmp_path / "c").as_uri(), "orders_events") == expected
    assert committed(str(tmp_path / "c"), "other") == Committed(10, {})
    assert committed(str(tmp_path / "none"), "orders_events") is None


@pytest.mark.parametrize("offsets", [None, "v1\n", "v1\n{}\n[1, 2]", "v1\n\xff"])
def test_a_finished_batch_without_readable_offsets_is_a_configuration_error(
    tmp_path: Path, offsets: str | None
) -> None:
    files = checkpoint_files("orders_events", finished=3, planned=3)
    del files["offsets/3"]
    write_checkpoint(tmp_path, files)
    if offsets is not None:
        (tmp_path / "offsets" / "3").write_bytes(offsets.encode("latin-1"))
    with pytest.raises(ConfigurationError, match="is unreadable at batch 3"):
        committed(str(tmp_path), "orders_events")


def test_an_s3_checkpoint_needs_a_client_and_other_schemes_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="needs a client"):
        committed("s3://bucket/c", "orders_events")
    with pytest.raises(ConfigurationError, match="not gs://"):
        committed("gs://bucket/c", "orders_events")
