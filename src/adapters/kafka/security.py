"""How lakecore's Kafka clients authenticate: the ``lakecore/kafka`` secret as the options of
both, Spark's Kafka source (the Java client, ``kafka.``-prefixed options, SASL through a JAAS
line) and confluent-kafka (librdkafka). Pure: no client is imported here.

The secret is a JSON object of text values::

    {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
     "sasl_username": "...", "sasl_password": "..."}

``username`` / ``password`` are accepted for ``sasl_username`` / ``sasl_password``; other
keys (``bootstrap_servers``, which ``LAKECORE_KAFKA_BOOTSTRAP_SERVERS`` decides) are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lakecore.errors import ConfigurationError

#: the SecretStore's name for the Kafka credentials (``LAKECORE_SECRET_KAFKA`` locally)
KAFKA_LOGIN = "lakecore/kafka"

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
#: each SASL mechanism and the Java client's login module for it
LOGIN_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}
_SASL_KEYS = ("sasl_mechanism", "sasl_username", "sasl_password", "username", "password")


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    """The protocol (and SASL mechanism) both clients connect with, and their options. The
    options carry the password: they are left out of ``repr``."""

    protocol: str = "PLAINTEXT"
    mechanism: str | None = None
    #: for Spark's Kafka source: ``kafka.security.protocol``, ``kafka.sasl.*``
    spark_options: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: for confluent-kafka: ``security.protocol``, ``sasl.*``
    client_options: Mapping[str, str] = field(default_factory=dict, repr=False)


def kafka_security(secret: Mapping[str, str] | None) -> KafkaSecurity:
    """The options for ``secret``; PLAINTEXT, no options, when there is no secret.

    Raises ``ConfigurationError`` (naming the key, never a value) for an unknown protocol or
    mechanism, SASL without a username or password, or SASL keys without a SASL protocol.
    """
    if secret is None:
        return KafkaSecurity()
    protocol = _one_of(secret, "security_protocol", PROTOCOLS)
    if not protocol.startswith("SASL_"):
        if given := [k for k in _SASL_KEYS if k in secret]:
            raise _malformed(
                f"{', '.join(given)} need security_protocol SASL_SSL or SASL_PLAINTEXT"
            )
        options = {"security.protocol": protocol}
        return KafkaSecurity(protocol, None, _prefixed(options), options)
    mechanism = _one_of(secret, "sasl_mechanism", tuple(LOGIN_MODULES))
    username, password = _credential(secret, "username"), _credential(secret, "password")
    jaas = (
        f"{LOGIN_MODULES[mechanism]} required "
        f"username={jaas_quoted(username)} password={jaas_quoted(password)};"
    )
    common = {"security.protocol": protocol, "sasl.mechanism": mechanism}
    return KafkaSecurity(
        protocol,
        mechanism,
        spark_options=_prefixed({**common, "sasl.jaas.config": jaas}),
        client_options={**common, "sasl.username": username, "sasl.password": password},
    )


def jaas_quoted(value: str) -> str:
    """``value`` as a quoted JAAS option: the Java client reads it back exactly (quote and
    backslash escaped, control characters as octal escapes)."""
    escaped = "".join(
        f"\\{ord(c):03o}" if ord(c) < 32 or ord(c) == 127 else c
        for c in value.replace("\\", "\\\\").replace('"', '\\"')
    )
    return f'"{escaped}"'


def _one_of(secret: Mapping[str, str], key: str, allowed: tuple[str, ...]) -> str:
    value = secret.get(key, "").strip().upper()
    if value not in allowed:
        raise _malformed(f"{key} must be one of {', '.join(allowed)}")
    return value


def _credential(secret: Mapping[str, str], name: str) -> str:
    given = [k for k in (f"sasl_{name}", name) if k in secret]
    if len(given) > 1:
        raise _malformed(f"give sasl_{name} or {name}, not both")
    if not given or not secret[given[0]]:
        raise _malformed(f"SASL needs sasl_{name}")
    return secret[given[0]]


def _prefixed(options: Mapping[str, str]) -> dict[str, str]:
    return {f"kafka.{k}": v for k, v in options.items()}


def _malformed(why: str) -> ConfigurationError:
    return ConfigurationError(f"secret {KAFKA_LOGIN}: {why}")
