"""``lakecore stream <name>``: a pipeline's stream, micro-batch after micro-batch, into bronze,
silver and its dead-letter table; ``lakecore stream status``: how far behind it is.

``--available-now`` catches up to the end of the topic as it is now and exits (how a
scheduler runs it); without it the stream runs until stopped (Ctrl-C, SIGTERM), every
``LAKECORE_STREAM_TRIGGER_SECONDS``.
"""

from __future__ import annotations

import argparse
import json
import signal
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import structlog

from adapters.delta.store import absolute_location
from adapters.files.landing import S3_SCHEMES
from adapters.kafka.security import KAFKA_LOGIN, KafkaSecurity, kafka_security
from entrypoints.containers import Container, aws_client
from entrypoints.runner import EXIT_OK, new_run, progress, running
from entrypoints.settings import Settings, SparkProfile, switch
from lakecore.errors import ConfigurationError, SecretNotFound
from lakecore.ports import RunContext, SecretStore
from lakecore.stream import BatchOutcome, MicroBatch, Stream, check_position, stream_batch
from pipelines.orders import ORDERS_STREAM
from pipelines.orders.generate import DATASET_FOLDERS, MANIFEST_NAME, Manifest

#: the topic the generator's order events go to, unless LAKECORE_KAFKA_TOPIC says otherwise
ORDERS_TOPIC = ORDERS_STREAM.topic

STATUS = "status"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name", metavar="NAME|status", help="the stream to run (orders), or `status`"
    )
    parser.add_argument(
        "stream", nargs="?", default=None, help="with status: one stream (default: all)"
    )
    parser.add_argument(
        "--available-now",
        action="store_true",
        help="catch up to the current end of the topic, then exit",
    )


def command(args: argparse.Namespace) -> int:
    container = Container()
    pipeline = container.pipeline()
    if args.name == STATUS:
        chosen = [pipeline.stream(args.stream)] if args.stream else list(pipeline.streams)
        return status(container.settings(), chosen, container.secrets())
    if args.stream:
        raise ConfigurationError(f"unexpected argument {args.stream!r}")
    stream = pipeline.stream(args.name)
    settings = container.settings()
    if settings.spark_profile is SparkProfile.AUTO:  # a stream runs long, its input unbounded
        settings = settings.model_copy(update={"spark_profile": SparkProfile.LARGE})
        container.settings.override(settings)
    _bootstrap(settings)
    security = security_of(container.secrets())
    config = kafka_config(settings, stream, available_now=args.available_now, security=security)
    # The broker answers and has the topic, or one clear line, before Spark starts.
    _topics(settings, security).partitions(config.topic or stream.topic)
    totals = _Totals()
    context = new_run()
    with running(container, "stream", context) as started, _stopping_on_sigterm():
        store, engine = started.store(), started.engine()
        store.check_writable()
        finished = _finished(settings, config, stream)
        check_position(stream, pipeline=pipeline, store=store, finished=finished)
        source = _source(started.spark(), config)

        def handle(batch: MicroBatch[Any]) -> BatchOutcome:
            outcome = stream_batch(batch, stream=stream, pipeline=pipeline, store=store,
                                   engine=engine, run=_batch_run(context), progress=progress)  # fmt: skip
            totals.add(outcome)
            return outcome

        try:
            source.run(stream, handle)
        except KeyboardInterrupt:
            progress("stream.stopped", stream=stream.name)
    print(totals.line(stream))
    return EXIT_OK


def _batch_run(context: RunContext) -> RunContext:
    """Each micro-batch is ingested when it is handled: a later batch's rows win a MERGE."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return replace(context, proc_date=now.date(), started_at=now)


@dataclass
class _Totals:
    batches: int = 0
    records: int = 0
    valid: int = 0
    dead_lettered: int = 0

    def add(self, outcome: BatchOutcome) -> None:
        self.batches += 1
        self.records += outcome.records
        self.valid += outcome.valid
        self.dead_lettered += outcome.dead_lettered

    def line(self, stream: Stream) -> str:
        return (
            f"stream {stream.name}: {self.batches} micro-batches, {self.records:,} records, "
            f"{self.valid:,} valid into {stream.silver.id}, {self.dead_lettered:,} to "
            f"{stream.dead_letters.id}"
        )


class _stopping_on_sigterm:
    """SIGTERM (a scheduler stopping the job) stops the stream as Ctrl-C does."""

    def __enter__(self) -> None:
        self._previous = signal.signal(signal.SIGTERM, self._interrupt)

    def __exit__(self, *_: object) -> None:
        signal.signal(signal.SIGTERM, self._previous)

    @staticmethod
    def _interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt


def checkpoint_of(settings: Settings, stream: Stream) -> str:
    root = settings.stream_checkpoints or f"{settings.lake_root.rstrip('/')}/_checkpoints"
    return f"{root.rstrip('/')}/{stream.folder}"


def _bootstrap(settings: Settings) -> str:
    if not settings.kafka_bootstrap_servers:
        raise ConfigurationError(f"kafka is not configured: set {switch('kafka')}")
    return settings.kafka_bootstrap_servers


def security_of(secrets: SecretStore) -> KafkaSecurity:
    """How the clients connect: as the secret ``lakecore/kafka`` says, or PLAINTEXT when
    there is no such secret (a local broker without authentication). A secret that is there
    but unreadable or malformed is a ``ConfigurationError``."""
    try:
        secret = secrets.get(KAFKA_LOGIN)
    except SecretNotFound:
        return kafka_security(None)
    return kafka_security(secret)


def kafka_config(
    settings: Settings,
    stream: Stream,
    *,
    available_now: bool,
    security: KafkaSecurity | None = None,
) -> Any:
    try:
        from adapters.kafka.stream import KafkaStreamConfig
    except ImportError as exc:
        raise ConfigurationError(
            f"streams need the kafka extra: pip install 'lakecore[kafka]' ({exc.name})"
        ) from None
    return KafkaStreamConfig(
        bootstrap_servers=_bootstrap(settings),
        checkpoint=absolute_location(checkpoint_of(settings, stream)),
        topic=settings.kafka_topic,
        trigger_seconds=settings.stream_trigger_seconds,
        starting_offsets=settings.stream_starting_offsets,
        max_offsets_per_trigger=settings.stream_max_offsets_per_trigger,
        available_now=available_now,
        timeout_seconds=settings.kafka_timeout_seconds,
        security=security or KafkaSecurity(),
    )


def _finished(settings: Settings, config: Any, stream: Stream) -> int | None:
    """The checkpoint's last finished batch (None before the first)."""
    done = _committed(settings, config.checkpoint, config.topic or stream.topic)
    return done.batch if done else None


def _committed(settings: Settings, checkpoint: str, topic: str) -> Any:
    """What the checkpoint (a local folder, or in S3 through boto3) has finished."""
    from adapters.kafka.checkpoint import committed

    in_s3 = urlsplit(checkpoint).scheme in S3_SCHEMES
    return committed(checkpoint, topic, s3=aws_client(settings, "s3") if in_s3 else None)


def _topics(settings: Settings, security: KafkaSecurity | None = None) -> Any:
    """A ``KafkaTopics`` for the configured brokers, with the secret's credentials (read
    from a new container's SecretStore when not given)."""
    from adapters.kafka.topics import KafkaTopics

    servers = _bootstrap(settings)
    security = security or security_of(Container().secrets())
    return KafkaTopics(
        servers, timeout=settings.kafka_timeout_seconds, options=security.client_options
    )


def _source(spark: Any, config: Any) -> Any:
    from adapters.kafka.stream import SparkKafkaSource

    # Spark reports each batch from its listener thread: give those lines the job's context.
    bound = structlog.contextvars.get_contextvars()
    return SparkKafkaSource(
        spark, config, lambda step, **facts: progress(step, **{**bound, **facts})
    )


def check_topic(settings: Settings) -> None:
    """The generator's topic is there (exit 75 when the broker does not answer, 2 when it
    has no such topic or Kafka is not configured)."""
    _topics(settings).partitions(settings.kafka_topic or ORDERS_TOPIC)


def send_generated(settings: Settings, out: Path, manifest: Manifest) -> Manifest:
    """Send the generated order events (``kafka/orders_events/*.jsonl`` envelopes) to the
    topic, in order, keyed as generated; then remove their files, so a daily run on ``out``
    does not take them a second time."""
    from adapters.kafka.topics import Produced

    folder = out / DATASET_FOLDERS["orders_events"]
    files = sorted(folder.glob("*.jsonl"))

    def records() -> Iterator[Produced]:
        for path in files:
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    envelope = json.loads(line)
                    key, value = envelope.get("key"), envelope.get("value")
                    yield Produced(
                        None if key is None else str(key).encode(),
                        None if value is None else str(value).encode(),
                    )

    topic = settings.kafka_topic or ORDERS_TOPIC
    sent = _topics(settings).produce(topic, records())
    gone = {f"{DATASET_FOLDERS['orders_events']}/{path.name}" for path in files}
    for path in files:
        path.unlink()
    kept = replace(manifest, files=tuple(f for f in manifest.files if f not in gone))
    (out / MANIFEST_NAME).write_text(kept.to_json(), encoding="utf-8")
    progress("generate.sent", topic=topic, records=sent, servers=settings.kafka_bootstrap_servers)
    return kept


def status(settings: Settings, streams: list[Stream], secrets: SecretStore) -> int:
    """Per partition: the offset the checkpoint has finished, the topic's end, the lag."""
    _bootstrap(settings)
    topics = _topics(settings, security_of(secrets))
    for stream in streams:
        topic = settings.kafka_topic or stream.topic
        ends = topics.end_offsets(topic)
        done = _committed(settings, absolute_location(checkpoint_of(settings, stream)), topic)
        offsets = done.offsets if done else {}
        print(f"stream {stream.name} ({topic}): "
              + (f"last finished micro-batch {done.batch}" if done else "not started"))  # fmt: skip
        print(f"  {'partition':>9} {'committed':>12} {'end':>12} {'lag':>10}")
        for partition, end in sorted(ends.items()):
            at = offsets.get(partition, 0)
            print(f"  {partition:>9} {at:>12,} {end:>12,} {end - at:>10,}")
        lag = sum(end - offsets.get(p, 0) for p, end in ends.items())
        print(f"  {'total':>9} {'':>12} {'':>12} {lag:>10,}")
    return EXIT_OK
