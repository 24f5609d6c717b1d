"""The orders stream against a real Kafka broker, Spark's Kafka connector and Delta: every
event ends in silver (via bronze) or in the dead-letter table, exactly once, through
hostile input, SIGKILLs at random moments, a concurrent daily run and a broker gone away;
credentials from the SecretStore on a broker that wants SASL; checkpoints in S3 (moto)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.kafka.checkpoint import Committed, committed
from adapters.kafka.security import kafka_security
from adapters.kafka.stream import KafkaStreamConfig, SparkKafkaSource
from adapters.kafka.topics import KafkaTopics, Produced
from adapters.spark.engine import SparkEngine
from entrypoints.settings import Settings
from entrypoints.stream import _finished, kafka_config
from lakecore.conform import conform_record
from lakecore.errors import ConfigurationError
from lakecore.merge import dedupe
from lakecore.ports import RunContext
from lakecore.stream import MicroBatch, stream_batch
from lakecore.testing.strategies import event_values, hostile_values
from pipelines import orders as lh
from pipelines.orders.generate import GenerateOptions, generate
from tests.fakes.aws import LocalAws
from tests.fakes.kafka import Broker, broker, checkpoint_files, free_port, write_checkpoint
from tests.integration.runs import LAKECORE, cli_env, events, spark_daily

pytestmark = [pytest.mark.spark, pytest.mark.slow]

STREAM = lh.ORDERS_STREAM
keys = st.none() | st.binary(max_size=8)


def _stream_here(
    spark: SparkSession,
    store: DeltaTableStore,
    config: KafkaStreamConfig,
    run: Callable[[], RunContext],
) -> list[int]:
    """The orders stream in this process until ``config`` ends it, each micro-batch written
    under ``run()``; the micro-batch ids, in order."""
    batches: list[int] = []

    def handle(batch: MicroBatch[Any]) -> None:
        batches.append(batch.id)
        stream_batch(batch, stream=STREAM, pipeline=lh.PIPELINE, store=store,
                     engine=SparkEngine(spark), run=run(),
                     progress=lambda *_, **__: None)  # fmt: skip

    SparkKafkaSource(spark, config, lambda *_, **__: None).run(STREAM, handle)
    return batches


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _topic(kafka: Broker, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    kafka.create_topic(name, partitions=3)
    return name


def _rows(spark: SparkSession, store: DeltaTableStore, table: Any) -> list[dict[str, Any]]:
    del spark
    if not store.exists(table.id):
        return []
    return [
        {k: bytes(v) if isinstance(v, bytearray) else v for k, v in row.asDict().items()}
        for row in store.read(table).collect()
    ]


def _plain(value: Any) -> Any:
    return value.normalize() if isinstance(value, Decimal) else value


def _business(rows: list[dict[str, Any]]) -> Counter[str]:
    return Counter(
        repr(sorted((c, _plain(r[c])) for c in lh.ORDERS.business_columns)) for r in rows
    )


def _reference_silver(values: list[str]) -> list[dict[str, Any]]:
    """The batch path's semantics (``lakecore.conform``, ``lakecore.merge``) on plain rows."""
    conformed = [
        conform_record({"value": v, "_corrupt_record": None}, STREAM.conform) for v in values
    ]
    rows = [{c: row[c] for c in lh.ORDERS.business_columns} for row, why in conformed if not why]
    return dedupe(rows, lh.PIPELINE.merges[lh.ORDERS.id])


def _places(rows: list[dict[str, Any]], bronze: bool) -> list[tuple[str, int, int]]:
    return [(r["topic"], int(r["partition"]), int(r["offset"])) for r in rows] if bronze else [
        (r["topic"], r["partition"], r["offset"]) for r in rows
    ]  # fmt: skip


def _assert_every_offset_once(
    bronze: list[dict[str, Any]], dead: list[dict[str, Any]], ends: dict[int, int], topic: str
) -> None:
    places = _places(bronze, True) + _places(dead, False)
    assert len(places) == len(set(places)), "a record was written twice"
    expected = {(topic, p, o) for p, end in ends.items() for o in range(end)}
    assert set(places) == expected, f"missing {len(expected - set(places))} records"


@settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(
    valid=st.lists(st.tuples(keys, event_values(STREAM.conform)), min_size=15, max_size=50),
    hostile=st.lists(st.tuples(keys, hostile_values(STREAM.conform)), min_size=15, max_size=50),
    data=st.data(),
)
def test_silver_holds_exactly_the_valid_events_and_the_dead_letters_the_rest(
    spark: SparkSession,
    kafka_broker: Broker,
    tmp_path_factory: pytest.TempPathFactory,
    valid: list[tuple[bytes | None, bytes]],
    hostile: list[tuple[bytes | None, bytes | None]],
    data: st.DataObject,
) -> None:
    topic = _topic(kafka_broker, "hostile")
    sent = data.draw(st.permutations([*valid, *hostile]))
    topics = KafkaTopics(kafka_broker.bootstrap)
    assert topics.produce(topic, (Produced(k, v) for k, v in sent)) == len(sent)
    lake = tmp_path_factory.mktemp("lake")
    store = DeltaTableStore(spark, str(lake))
    config = KafkaStreamConfig(
        kafka_broker.bootstrap, str(lake / "_checkpoints" / "x"), topic=topic,
        available_now=True, max_offsets_per_trigger=12, timeout_seconds=20,
    )  # fmt: skip
    run = RunContext("hostile-1", date(2026, 11, 29), datetime(2026, 11, 29, 12))
    batches = _stream_here(spark, store, config, lambda: run)

    assert len(batches) >= 2
    bronze = _rows(spark, store, STREAM.dataset.bronze)
    dead = _rows(spark, store, STREAM.dead_letters)
    assert len(bronze) + len(dead) == len(valid) + len(hostile)
    assert Counter((r["key"], r["value"]) for r in dead) == Counter(
        (k, v) for k, v in hostile
    )  # the bytes as sent
    assert Counter(r["value"] for r in bronze) == Counter(v.decode() for _, v in valid)
    assert all(r["reason"] for r in dead)
    _assert_every_offset_once(bronze, dead, topics.end_offsets(topic), topic)
    silver = _rows(spark, store, lh.ORDERS)
    assert _business(silver) == _business(_reference_silver([v.decode() for _, v in valid]))


# --- the command line: chaos, concurrency, a broker gone -----------------------------------


def _env(lake: Path, kafka: Broker, topic: str, **more: str) -> dict[str, str]:
    settings = {
        "LAKECORE_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
        "LAKECORE_KAFKA_TOPIC": topic,
        "LAKECORE_STREAM_MAX_OFFSETS_PER_TRIGGER": "400",
        **more,
    }
    return cli_env(lake, **settings)


def _send_day(landing: Path, env: dict[str, str], rows: int, seed: int) -> None:
    done = subprocess.run(
        [str(LAKECORE), "generate", "--out", str(landing), "--rows", str(rows),
         "--seed", str(seed), "--to-kafka"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert not list((landing / "kafka" / "orders_events").glob("*.jsonl"))


def _stream_cli(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(LAKECORE), "stream", "orders", "--available-now"],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def _drain(proc: subprocess.Popen[str]) -> list[str]:
    """Read the rest of a process's stderr in the background, so it never blocks on it."""
    lines: list[str] = []
    assert proc.stderr is not None
    stderr = proc.stderr
    threading.Thread(target=lambda: lines.extend(stderr), daemon=True).start()
    return lines


def _lake_rows(spark: SparkSession, lake: Path) -> dict[str, list[dict[str, Any]]]:
    store = DeltaTableStore(spark, str(lake))
    return {
        "bronze": _rows(spark, store, STREAM.dataset.bronze),
        "dead": _rows(spark, store, STREAM.dead_letters),
        "silver": _rows(spark, store, lh.ORDERS),
    }


def test_sigkill_at_random_moments_loses_and_repeats_nothing(
    spark: SparkSession, kafka_broker: Broker, tmp_path: Path
) -> None:
    topic = _topic(kafka_broker, "chaos")
    lake = tmp_path / "lake"
    env = _env(lake, kafka_broker, topic)
    _send_day(tmp_path / "landing", env, rows=3000, seed=11)
    rng = random.Random(20261129)
    kills = 0
    for _ in range(3):
        proc = _stream_cli(env)
        assert proc.stderr is not None
        for name in events(proc.stderr):
            if name == "stream.started":
                break
        _drain(proc)
        time.sleep(rng.uniform(0.5, 12.0))  # somewhere in a batch, or between two
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    assert kills >= 2
    final = _stream_cli(env)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err[-3000:]
    assert "micro-batches" in out

    rows = _lake_rows(spark, lake)
    ends = KafkaTopics(kafka_broker.bootstrap).end_offsets(topic)
    assert sum(ends.values()) == 2400  # 80% of the orders are Kafka events
    _assert_every_offset_once(rows["bronze"], rows["dead"], ends, topic)
    keys_ = [(r["order_id"], r["event_ts"]) for r in rows["silver"]]
    assert len(keys_) == len(set(keys_))
    expected = _reference_silver([r["value"] for r in rows["bronze"]])
    assert {(r["order_id"], r["event_ts"]) for r in expected} == set(keys_)

    status = subprocess.run([str(LAKECORE), "stream", "status"], env=env, capture_output=True,
                            text=True, timeout=120, check=True).stdout  # fmt: skip
    assert "last finished micro-batch" in status
    assert status.splitlines()[-1].split()[-1] == "0"  # no lag left
    shutil.rmtree(lake / "_checkpoints")  # a lost checkpoint must not skip what comes next
    lost = subprocess.run([str(LAKECORE), "stream", "orders", "--available-now"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert lost.returncode == 2, lost.stderr[-2000:]
    assert "restore the checkpoint" in lost.stderr.strip().splitlines()[-1]


def test_a_stream_and_a_daily_run_writing_silver_together_both_finish(
    spark: SparkSession, kafka_broker: Broker, tmp_path: Path
) -> None:
    topic = _topic(kafka_broker, "together")
    landing_files = tmp_path / "files"
    today = datetime.now(UTC).date()
    generate(GenerateOptions(landing_files, 400, seed=5, dirty=0.02, business_date=today))
    # 100 events per micro-batch in both runs: the stream is still merging into silver while
    # the day's run does, and the micro-batches are the same (two events of one key in one
    # micro-batch are told apart by their content, in two by which came later: one
    # micro-batch for the serial run would change which of such a pair is kept).
    env = _env(
        tmp_path / "lake", kafka_broker, topic, LAKECORE_STREAM_MAX_OFFSETS_PER_TRIGGER="100"
    )
    _send_day(tmp_path / "sent", env, rows=1000, seed=9)  # 800 events: 8 micro-batches
    stream = _stream_cli(env)
    assert stream.stderr is not None
    for name in events(stream.stderr):
        if name == "stream.batch":
            break
    assert stream.poll() is None, "the stream must still be running"
    drained = _drain(stream)
    daily = [str(LAKECORE), "run", "daily", "--landing", str(landing_files)]
    day = subprocess.run(daily, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert stream.wait(timeout=900) == 0, "".join(drained)[-3000:]
    assert day.returncode == 0, day.stderr[-3000:]

    # The same, one after the other, in this process: the stream to the topic's end, then
    # the day.
    serial = tmp_path / "serial"
    store = DeltaTableStore(spark, str(serial))
    config = KafkaStreamConfig(
        kafka_broker.bootstrap, str(serial / "_checkpoints" / "orders_events"), topic=topic,
        available_now=True, max_offsets_per_trigger=100, timeout_seconds=30,
    )  # fmt: skip

    _stream_here(spark, store, config, lambda: RunContext("serial", today, _now()))
    spark_daily(spark, store, landing_files, RunContext("serial-day", today, _now()))

    results = {
        lake.name: Counter(
            repr(sorted((c, _plain(r[c])) for c in (*lh.ORDERS.business_columns, "_source_file")))
            for r in _lake_rows(spark, lake)["silver"]
        )
        for lake in (tmp_path / "lake", serial)
    }
    assert results["lake"] == results["serial"]
    assert sum(results["serial"].values()) > 800


def test_a_broker_that_is_not_there_is_exit_75_with_one_line(tmp_path: Path) -> None:
    env = cli_env(
        tmp_path / "lake",
        LAKECORE_KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}",
        LAKECORE_KAFKA_TIMEOUT_SECONDS="3",
    )
    for command in (["stream", "orders", "--available-now"], ["stream", "status"]):
        started = time.monotonic()
        done = subprocess.run([str(LAKECORE), *command], env=env, capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 75, done.stderr[-2000:]
        lines = done.stderr.strip().splitlines()
        assert lines[-1].startswith("lakecore: error: Kafka at 127.0.0.1:")
        assert "Traceback" not in done.stderr
        assert time.monotonic() - started < 60


def test_a_batch_that_cannot_be_written_is_one_line_without_a_stack_trace(
    kafka_broker: Broker, tmp_path: Path
) -> None:
    topic = _topic(kafka_broker, "blocked")
    KafkaTopics(kafka_broker.bootstrap).produce(topic, [Produced(None, b'{"order_id": "x"}')])
    lake = tmp_path / "lake"
    (lake / "_dlq").mkdir(parents=True)
    (lake / "_dlq" / "orders_events").write_text("a file where the dead-letter table goes")
    done = subprocess.run(
        [str(LAKECORE), "stream", "orders", "--available-now"], env=_env(lake, kafka_broker, topic),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode in (1, 2), done.stderr[-3000:]
    assert done.stderr.strip().splitlines()[-1].startswith("lakecore: error: _dlq.orders_events")
    assert "\tat org." not in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


def _running_after_a_batch(
    kafka: Broker, topic: str, env: dict[str, str], junk: int
) -> subprocess.Popen[str]:
    """``lakecore stream orders`` (no end) on ``junk`` events it must dead-letter, once it
    has written its first micro-batch."""
    KafkaTopics(kafka.bootstrap).produce(
        topic, (Produced(None, b'{"order_id": "x"}') for _ in range(junk))
    )
    proc = subprocess.Popen(
        [str(LAKECORE), "stream", "orders"], env=env, stderr=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for name in events(proc.stderr):
        if name == "stream.batch":
            break
    return proc


def test_a_broker_that_goes_away_mid_stream_stops_it_with_exit_75(
    tmp_path: Path,
) -> None:
    with broker(tmp_path / "kafka") as lonely:
        topic = _topic(lonely, "away")
        env = _env(tmp_path / "lake", lonely, topic, LAKECORE_KAFKA_TIMEOUT_SECONDS="10",
                   LAKECORE_STREAM_TRIGGER_SECONDS="2")  # fmt: skip
        proc = _running_after_a_batch(lonely, topic, env, junk=10)
        assert proc.stderr is not None
        lonely.stop()
        started = time.monotonic()
        rest = proc.stderr.read()
        assert proc.wait(timeout=180) == 75, rest[-3000:]
        assert time.monotonic() - started < 120
        assert rest.strip().splitlines()[-1].startswith("lakecore: error: ")


def test_sigterm_stops_a_running_stream_cleanly(
    spark: SparkSession, kafka_broker: Broker, tmp_path: Path
) -> None:
    topic = _topic(kafka_broker, "term")
    lake = tmp_path / "lake"
    env = _env(lake, kafka_broker, topic, LAKECORE_STREAM_TRIGGER_SECONDS="1")
    proc = _running_after_a_batch(kafka_broker, topic, env, junk=25)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    assert "25 records, 0 valid into silver.orders, 25 to _dlq.orders_events" in out
    assert len(_lake_rows(spark, lake)["dead"]) == 25


# --- credentials from the SecretStore: a broker that wants SASL ------------------------------

#: the broker's user; the password has quotes, a backslash and more than ASCII, as JAAS must carry
SASL_USER, SASL_PASSWORD = "lakecore-etl", 'kafka "pw" \\ ö-2026'  # pragma: allowlist secret


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A broker of its own with a SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256 and -512)."""
    folder = tmp_path_factory.mktemp("kafka-sasl")
    with broker(folder, sasl_users={SASL_USER: SASL_PASSWORD}) as running:
        yield running


def _secret(mechanism: str, password: str = SASL_PASSWORD) -> str:
    """The ``lakecore/kafka`` secret's JSON, as ``LAKECORE_SECRET_KAFKA`` holds it."""
    return json.dumps({"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": mechanism,
                       "sasl_username": SASL_USER, "sasl_password": password})  # fmt: skip


def _sasl_env(lake: Path, kafka: Broker, topic: str, secret: str) -> dict[str, str]:
    return cli_env(lake, LAKECORE_KAFKA_BOOTSTRAP_SERVERS=kafka.sasl_bootstrap,
                   LAKECORE_KAFKA_TOPIC=topic, LAKECORE_SECRET_KAFKA=secret)  # fmt: skip


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_each_mechanism_logs_in_with_the_secrets_credentials(
    sasl_broker: Broker, mechanism: str
) -> None:
    options = kafka_security(json.loads(_secret(mechanism))).client_options
    topics = KafkaTopics(sasl_broker.sasl_bootstrap, timeout=10, options=options)
    topic = _topic(sasl_broker, "sasl")
    assert topics.produce(topic, [Produced(b"k", b"v")]) == 1
    assert sum(topics.end_offsets(topic).values()) == 1


def test_generate_stream_and_status_on_a_sasl_broker_with_the_secret(
    sasl_broker: Broker, tmp_path: Path
) -> None:
    """confluent-kafka (generate, status) with PLAIN, Spark's Java client (the stream) with
    SCRAM-SHA-512: both log in with the secret's credentials and never show the password."""
    topic = _topic(sasl_broker, "sasl_cli")
    lake = tmp_path / "lake"
    _send_day(tmp_path / "sent", _sasl_env(lake, sasl_broker, topic, _secret("PLAIN")), 300, 3)
    env = _sasl_env(lake, sasl_broker, topic, _secret("SCRAM-SHA-512"))
    streamed = subprocess.run([str(LAKECORE), "stream", "orders", "--available-now"], env=env,
                              capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert streamed.returncode == 0, streamed.stderr[-3000:]
    assert "240 records" in streamed.stdout  # 80% of the orders are Kafka events
    status = subprocess.run([str(LAKECORE), "stream", "status"], env=env, capture_output=True,
                            text=True, timeout=120, check=False)  # fmt: skip
    assert status.returncode == 0, status.stderr[-2000:]
    assert status.stdout.splitlines()[-1].split() == ["total", "0"]
    for done in (streamed, status):
        assert SASL_PASSWORD not in done.stdout + done.stderr


def test_a_wrong_password_is_exit_2_in_one_line_at_once_without_the_password(
    sasl_broker: Broker, tmp_path: Path
) -> None:
    topic = _topic(sasl_broker, "refused")
    wrong = 'not-the-"password"-9'  # pragma: allowlist secret
    env = _sasl_env(tmp_path / "lake", sasl_broker, topic, _secret("SCRAM-SHA-512", wrong))
    env["LAKECORE_KAFKA_TIMEOUT_SECONDS"] = "30"
    sent = tmp_path / "sent"
    for command in (
        ["stream", "status"],
        ["generate", "--out", str(sent), "--rows", "50", "--to-kafka"],
        ["stream", "orders", "--available-now"],
    ):
        started = time.monotonic()
        done = subprocess.run([str(LAKECORE), *command], env=env, capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 2, done.stderr[-2000:]
        assert done.stderr.strip().splitlines()[-1] == (
            f"lakecore: error: Kafka at {sasl_broker.sasl_bootstrap} refused the credentials "
            "(Authentication failed during authentication due to invalid credentials with SASL "
            "mechanism SCRAM-SHA-512); check the secret lakecore/kafka"
        )
        assert "Traceback" not in done.stderr
        assert wrong not in done.stdout + done.stderr
        assert time.monotonic() - started < 25, "refused at once, not after the timeout"
    assert not sent.exists()


def test_a_secret_with_an_unknown_mechanism_is_exit_2_naming_the_key(
    sasl_broker: Broker, tmp_path: Path
) -> None:
    secret = _secret("SCRAM-SHA-1")
    env = _sasl_env(tmp_path / "lake", sasl_broker, "orders_events", secret)
    done = subprocess.run([str(LAKECORE), "stream", "status"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        "lakecore: error: secret lakecore/kafka: sasl_mechanism must be one of PLAIN, "
        "SCRAM-SHA-256, SCRAM-SHA-512"
    )
    assert SASL_PASSWORD not in done.stdout + done.stderr


# --- checkpoints in S3 ------------------------------------------------------------------------


def _bucket(aws: LocalAws) -> tuple[Any, str]:
    client, name = aws.client("s3"), f"checkpoints-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": aws.region})
    return client, name


def _upload(client: Any, bucket: str, prefix: str, files: dict[str, str]) -> None:
    for relative, text in files.items():
        client.put_object(Bucket=bucket, Key=f"{prefix}/{relative}", Body=text.encode())


def test_an_s3_checkpoint_says_what_the_same_files_say_on_disk(
    aws: LocalAws, tmp_path: Path
) -> None:
    client, bucket = _bucket(aws)
    cases = {
        "running": checkpoint_files("orders_events", finished=11, planned=12),
        "first": checkpoint_files("orders_events", finished=0, planned=0),
        "unstarted": {k: v for k, v in checkpoint_files("orders_events", 0, 0).items()
                      if not k.startswith("commits/")},
    }  # fmt: skip
    for name, files in cases.items():
        write_checkpoint(tmp_path / name, files)
        _upload(client, bucket, f"lake/_checkpoints/{name}", files)
    for name in (*cases, "absent"):
        on_disk = committed(str(tmp_path / name), "orders_events")
        for uri in (f"s3://{bucket}/lake/_checkpoints/{name}",
                    f"s3a://{bucket}/lake/_checkpoints/{name}/"):  # fmt: skip
            assert committed(uri, "orders_events", s3=client) == on_disk, uri
    assert committed(f"s3://{bucket}/lake/_checkpoints/running", "orders_events", s3=client) == (
        Committed(11, {0: 1200, 1: 1201, 2: 1202})
    )
    assert committed(f"s3://{bucket}/lake/_checkpoints/absent", "orders_events", s3=client) is None


def test_an_unreadable_s3_checkpoint_is_a_configuration_error(aws: LocalAws) -> None:
    client, bucket = _bucket(aws)
    files = checkpoint_files("orders_events", finished=2, planned=2)
    del files["offsets/2"]
    _upload(client, bucket, "c", files)
    with pytest.raises(ConfigurationError, match="is unreadable at batch 2: offsets/2 is missing"):
        committed(f"s3://{bucket}/c", "orders_events", s3=client)
    with pytest.raises(ConfigurationError, match="NoSuchBucket"):
        committed(f"s3://{bucket}-gone/c", "orders_events", s3=client)


def test_the_position_check_reads_a_checkpoint_in_s3(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, bucket = _bucket(aws)
    _upload(client, bucket, "lake/_checkpoints/orders_events", checkpoint_files("t", 4, 5))
    for key, value in aws.environ().items():
        monkeypatch.setenv(key, value)
    settings = Settings(lake_root=f"s3://{bucket}/lake")
    config = kafka_config(settings.model_copy(update={"kafka_bootstrap_servers": "b:9092",
                                                      "kafka_topic": "t"}),
                          STREAM, available_now=True)  # fmt: skip
    assert config.checkpoint == f"s3://{bucket}/lake/_checkpoints/orders_events"
    assert _finished(settings, config, STREAM) == 4


def test_stream_status_reads_a_checkpoint_in_s3(
    aws: LocalAws, kafka_broker: Broker, tmp_path: Path
) -> None:
    topic = _topic(kafka_broker, "s3status")
    KafkaTopics(kafka_broker.bootstrap).produce(
        topic, (Produced(None, b"{}", partition=p) for p in range(3) for _ in range(150 + 2 * p))
    )  # ends 150, 152, 154
    client, bucket = _bucket(aws)
    _upload(client, bucket, "checkpoints/orders_events", checkpoint_files(topic, 0, 1))
    env = _env(tmp_path / "lake", kafka_broker, topic, **aws.environ(),
               LAKECORE_STREAM_CHECKPOINTS=f"s3://{bucket}/checkpoints")  # fmt: skip
    done = subprocess.run([str(LAKECORE), "stream", "status"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line.split() for line in done.stdout.splitlines()]
    assert "last finished micro-batch 0" in done.stdout
    assert lines[2:] == [
        ["0", "100", "150", "50"],
        ["1", "101", "152", "51"],
        ["2", "102", "154", "52"],
        ["total", "153"],
    ]
