"""``SparkKafkaSource``: a topic as Spark Structured Streaming micro-batches.

Each micro-batch reaches ``handle`` through ``foreachBatch`` with the id Spark's checkpoint
gives it; a batch that did not finish is handed again, same id, same offsets, when the
stream starts again from the same checkpoint. The records arrive decoded for the core
(``lakecore.stream.MicroBatch``): the Kafka fields as text, the key and value bytes as they
were sent, ``_corrupt_record`` set where the value is not UTF-8.

The broker is asked first (``KafkaTopics``), so an unreachable one is a ``TransientError``
within the timeout, not a hang; while the stream runs, a broker that stays unreachable for
longer than the timeout stops it the same way.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyspark.errors import StreamingQueryException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming.listener import StreamingQueryListener
from pyspark.sql.streaming.query import StreamingQuery

from adapters.kafka.security import KAFKA_LOGIN, KafkaSecurity
from adapters.kafka.topics import KafkaTopics
from lakecore.errors import (
    ConfigurationError,
    LakecoreError,
    TerminalError,
    TransientError,
    first_line,
)
from lakecore.ports import Progress
from lakecore.stream import KEY_BYTES, NOT_UTF8, RECORD, VALUE_BYTES, MicroBatch, Stream


@dataclass(frozen=True, slots=True)
class KafkaStreamConfig:
    bootstrap_servers: str
    checkpoint: str
    topic: str | None = None  # the stream's own topic when None
    trigger_seconds: float = 30.0
    starting_offsets: str = "earliest"
    max_offsets_per_trigger: int | None = None
    #: catch up to the end of the topic as it is at the start, then stop
    available_now: bool = False
    #: how long the broker may stay silent before the stream stops with exit 75
    timeout_seconds: float = 30.0
    #: how both clients (Spark's, confluent-kafka's) connect: PLAINTEXT unless told
    security: KafkaSecurity = field(default_factory=KafkaSecurity)


class SparkKafkaSource:
    """Reads ``config.topic`` from the earliest offset on a first start (history is never
    skipped), from the checkpoint after that."""

    def __init__(self, spark: SparkSession, config: KafkaStreamConfig, progress: Progress) -> None:
        self._spark = spark
        self._config = config
        self._progress = progress

    def topic(self, stream: Stream) -> str:
        return self._config.topic or stream.topic

    def run(self, stream: Stream, handle: Callable[[MicroBatch[DataFrame]], object]) -> None:
        config, topic = self._config, self.topic(stream)
        topics = KafkaTopics(config.bootstrap_servers, timeout=min(config.timeout_seconds, 15),
                             options=config.security.client_options)  # fmt: skip
        topics.partitions(topic)  # the broker answers and has the topic, or one clear line
        failure: list[BaseException] = []
        outcomes: dict[int, object] = {}

        def on_batch(frame: DataFrame, batch_id: int) -> None:
            if frame.isEmpty():  # a trigger with nothing new: no commit anywhere
                return
            try:
                outcomes[batch_id] = handle(MicroBatch(batch_id, frame))
            except BaseException as exc:
                failure.append(exc)
                raise

        listener = _Reporter(stream.name, outcomes, self._progress)
        self._spark.streams.addListener(listener)
        query = (
            decoded(self._reader(topic).load())
            .writeStream.queryName(f"lakecore_{stream.name}")
            .option("checkpointLocation", config.checkpoint)
            .foreachBatch(on_batch)
        )
        if config.available_now:
            query = query.trigger(availableNow=True)
        else:
            query = query.trigger(processingTime=f"{config.trigger_seconds} seconds")
        self._progress("stream.started", stream=stream.name, topic=topic,
                       checkpoint=config.checkpoint, available_now=config.available_now)  # fmt: skip
        # py4j logs a batch's exception with its traceback; the same exception is raised
        # from the query below and ends as lakecore's one-line error.
        callbacks = logging.getLogger("py4j.clientserver")
        level = callbacks.level
        callbacks.setLevel(logging.CRITICAL)
        try:
            self._watch(query.start(), topics, topic, failure)
        finally:
            callbacks.setLevel(level)
            self._spark.streams.removeListener(listener)

    def _reader(self, topic: str) -> Any:
        config = self._config
        timeout_ms = str(int(config.timeout_seconds * 1000))
        reader = (
            self._spark.readStream.format("kafka")
            .option("kafka.bootstrap.servers", config.bootstrap_servers)
            .option("subscribe", topic)
            .option("startingOffsets", config.starting_offsets)
            # Offsets gone before they were read (retention) stop the stream: never a silent gap.
            .option("failOnDataLoss", "true")
            .option("kafka.default.api.timeout.ms", timeout_ms)
            .option("kafka.request.timeout.ms", timeout_ms)
        )
        for key, value in config.security.spark_options.items():
            reader = reader.option(key, value)
        if config.max_offsets_per_trigger:
            reader = reader.option("maxOffsetsPerTrigger", str(config.max_offsets_per_trigger))
        return reader

    def _watch(
        self,
        query: StreamingQuery,
        topics: KafkaTopics,
        topic: str,
        failure: list[BaseException],
    ) -> None:
        """Wait for the query; stop it when the broker stays away; raise what stopped it."""
        away_since: float | None = None
        try:
            while not query.awaitTermination(5):
                try:
                    topics.partitions(topic)
                    away_since = None
                except TransientError:
                    away_since = away_since or time.monotonic()
                    if time.monotonic() - away_since > self._config.timeout_seconds:
                        query.stop()
                        raise
        except StreamingQueryException as exc:
            if failure:
                raise failure[0] from None
            raise translated(str(exc)) from None
        except BaseException:
            if query.isActive:
                query.stop()
            raise
        if failure:
            raise failure[0]


def decoded(records: DataFrame) -> DataFrame:
    """Kafka's columns as ``MicroBatch`` rows carry them."""
    key_text, value_text = _text(F.col("key")), _text(F.col("value"))
    return records.select(
        F.col("topic"),
        F.col("partition").cast("string").alias("partition"),
        F.col("offset").cast("string").alias("offset"),
        F.unix_millis(F.col("timestamp")).cast("string").alias("timestamp"),
        key_text.alias("key"),
        value_text.alias("value"),
        F.concat_ws("/", "topic", "partition", "offset").alias(RECORD),
        F.col("key").alias(KEY_BYTES),
        F.col("value").alias(VALUE_BYTES),
        F.when(F.col("value").isNotNull() & value_text.isNull(), F.lit(NOT_UTF8)).alias(
            "_corrupt_record"
        ),
    )


def _text(raw: Column) -> Column:
    """UTF-8 text of a binary column; null where it is not UTF-8 (Spark's cast keeps bad
    bytes as they are, and writing them back out as UTF-8 then changes them)."""
    text = raw.cast("string")
    return F.when(F.encode(text, "UTF-8") == raw, text)


class _Reporter(StreamingQueryListener):
    """One progress line per micro-batch: records in, valid, dead-lettered, lag, duration."""

    def __init__(self, name: str, outcomes: dict[int, object], progress: Progress) -> None:
        self._name = name
        self._outcomes = outcomes
        self._progress = progress
        self._lock = threading.Lock()

    def onQueryStarted(self, event: Any) -> None:
        return None

    def onQueryProgress(self, event: Any) -> None:
        done = event.progress
        with self._lock:
            outcome = self._outcomes.pop(done.batchId, None)
        if outcome is None:
            return  # a trigger with nothing new
        source = done.sources[0] if done.sources else None
        self._progress(
            "stream.batch",
            stream=self._name,
            batch=done.batchId,
            records=getattr(outcome, "records", done.numInputRows),
            valid=getattr(outcome, "valid", None),
            dead_lettered=getattr(outcome, "dead_lettered", None),
            lag=lag(source.endOffset, source.latestOffset) if source is not None else None,
            duration_ms=done.batchDuration,
        )

    def onQueryIdle(self, event: Any) -> None:
        return None

    def onQueryTerminated(self, event: Any) -> None:
        return None


def lag(end: str | None, latest: str | None) -> int | None:
    """Records in the topic after this batch: latest offsets minus the batch's end offsets
    (both as Spark reports them: ``{"topic": {"partition": offset}}`` JSON)."""
    if not end or not latest:
        return None
    ends, latests = json.loads(end), json.loads(latest)
    return sum(
        max(0, int(offset) - int(ends.get(topic, {}).get(partition, 0)))
        for topic, partitions in latests.items()
        for partition, offset in partitions.items()
    )


def translated(failure: str) -> LakecoreError:
    """What stopped the query, as one line: credentials the broker refused are a
    ``ConfigurationError`` (exit 2), a broker that went away a ``TransientError`` (75)."""
    message = first_line(failure, "no reason given")
    lowered, whole = message.lower(), failure.lower()
    if "saslauthenticationexception" in whole or "authentication failed" in whole:
        return ConfigurationError(
            f"the stream stopped: Kafka refused the credentials ({message}); "
            f"check the secret {KAFKA_LOGIN}"
        )
    if any(t in lowered for t in ("timeout", "disconnect", "connection", "not available")):
        return TransientError(f"the stream stopped: {message}")
    return TerminalError(f"the stream stopped: {message}")
