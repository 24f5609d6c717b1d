"""``KafkaTopics``: what lakecore asks a broker directly (confluent-kafka): is it there, how
far does a topic go, and producing records (the generator's events)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from adapters.kafka.security import KAFKA_LOGIN
from lakecore.errors import ConfigurationError, TransientError


@dataclass(frozen=True, slots=True)
class Produced:
    key: bytes | None
    value: bytes | None
    partition: int | None = None
    timestamp_ms: int | None = None


class KafkaTopics:
    """One broker connection's worth of questions; every call is bounded by ``timeout``.
    ``options`` are librdkafka's (``KafkaSecurity.client_options``: protocol, SASL).

    Raises ``TransientError`` (exit 75) when the broker does not answer in time and
    ``ConfigurationError`` (exit 2) for a topic it does not have or credentials it refuses.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        timeout: float = 10.0,
        options: Mapping[str, str] | None = None,
    ) -> None:
        self._servers = bootstrap_servers
        self._timeout = timeout
        self._config: dict[str, Any] = {
            "bootstrap.servers": bootstrap_servers,
            "socket.connection.setup.timeout.ms": int(timeout * 1000),
            **(options or {}),
        }
        self._admin: AdminClient | None = None
        self._refused: list[str] = []

    def partitions(self, topic: str) -> list[int]:
        """The topic's partitions; raises when the broker is away, refuses the credentials
        or has no such topic."""
        found = self._metadata(topic)
        if not found.brokers:
            raise self._unreachable("no broker answered")
        meta = found.topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            detail = meta.error.str() if meta is not None and meta.error is not None else "absent"
            raise ConfigurationError(
                f"Kafka at {self._servers} has no topic {topic!r} ({detail}); create it or "
                "set LAKECORE_KAFKA_TOPIC"
            )
        return sorted(meta.partitions)

    def _metadata(self, topic: str) -> Any:
        """The broker's answer about ``topic``, asked in short tries: a refused login shows
        between two (librdkafka retries it quietly until the timeout otherwise)."""
        if self._admin is None:  # one client for every question (a running stream asks often)
            config: dict[str, Any] = {**self._config, "logger": _SILENT,
                                      "error_cb": self._on_error}  # fmt: skip
            self._admin = AdminClient(config)
        self._refused.clear()
        deadline = time.monotonic() + self._timeout
        while True:
            started = time.monotonic()
            try:
                return self._admin.list_topics(
                    topic, timeout=max(min(deadline - started, _TRY_SECONDS), 0.1)
                )
            except KafkaException as exc:
                self._admin.poll(0)  # hands librdkafka's errors to _on_error
                if self._refused:
                    raise ConfigurationError(
                        f"Kafka at {self._servers} refused the credentials ({self._refused[-1]}); "
                        f"check the secret {KAFKA_LOGIN}"
                    ) from None
                if time.monotonic() >= deadline:
                    raise self._unreachable(exc) from exc
                time.sleep(max(0.0, min(started + _TRY_SECONDS, deadline) - time.monotonic()))

    def _on_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._AUTHENTICATION:
            self._refused.append(_authentication_failure(error.str()))

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset of each partition: how far the topic goes now."""
        config: dict[str, Any] = {**self._config, "group.id": "lakecore-status", "logger": _SILENT}
        consumer = Consumer(config)
        try:
            return {p: self._watermarks(consumer, topic, p)[1] for p in self.partitions(topic)}
        except KafkaException as exc:
            raise self._unreachable(exc) from exc
        finally:
            consumer.close()

    def _watermarks(self, consumer: Any, topic: str, partition: int) -> tuple[int, int]:
        low, high = consumer.get_watermark_offsets(
            TopicPartition(topic, partition), timeout=self._timeout
        )
        return int(low), int(high)

    def produce(self, topic: str, records: Iterable[Produced]) -> int:
        """Send ``records`` (idempotent producer, all replicas acknowledge); the count sent.
        Raises ``TransientError`` when any is not acknowledged in time."""
        self.partitions(topic)
        producer = Producer({**self._config, "enable.idempotence": True, "linger.ms": 20,
                             "logger": _SILENT, "message.timeout.ms": int(self._timeout * 3000)})  # fmt: skip
        failed: list[KafkaError] = []

        def delivered(error: KafkaError | None, _: Any) -> None:
            if error is not None:
                failed.append(error)

        sent = 0
        for record in records:
            extra: dict[str, Any] = {}
            if record.partition is not None:
                extra["partition"] = record.partition
            if record.timestamp_ms is not None:
                extra["timestamp"] = record.timestamp_ms
            while True:
                try:
                    producer.produce(topic, value=record.value, key=record.key,
                                     on_delivery=delivered, **extra)  # fmt: skip
                    break
                except BufferError:  # the local queue is full: let deliveries drain
                    producer.poll(0.5)
            sent += 1
            if sent % 10_000 == 0:
                producer.poll(0)
        left = producer.flush(self._timeout * 3)
        if failed or left:
            reason = failed[0].str() if failed else f"{left} not acknowledged"
            raise TransientError(f"Kafka at {self._servers}: sending to {topic} failed ({reason})")
        return sent

    def _unreachable(self, detail: object) -> TransientError:
        return TransientError(
            f"Kafka at {self._servers} did not answer in {self._timeout:.0f} s ({detail}); "
            "retry when the broker is reachable"
        )


#: how long one try at the broker's metadata waits before the errors so far are looked at
_TRY_SECONDS = 1.0


def _authentication_failure(detail: str) -> str:
    """librdkafka's reason, without the broker address and the timing around it."""
    reason = detail.split("SASL authentication error:", 1)[-1]
    return re.sub(r"\s*\(after \d+ms in state \w+\)\s*$", "", reason).strip()[:200]


#: librdkafka's own log lines (connection refused, retries) stay out of the output: the
#: errors that matter are raised, once, in one line.
_SILENT = logging.getLogger("lakecore.kafka.client")
_SILENT.addHandler(logging.NullHandler())
_SILENT.propagate = False
