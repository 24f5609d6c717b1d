"""The orders stream's benchmark: generated order events on a real Kafka broker, through
``lakecore stream`` (parse, validate, dead-letter, bronze, silver MERGE) and, side by side
in the same Spark session, through a plain Spark Kafka -> Delta append with no validation.

Writes the ``stream`` section of ``docs/BENCHMARKS.md``. Run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.kafka.stream import KafkaStreamConfig, SparkKafkaSource
from adapters.kafka.topics import KafkaTopics, Produced
from adapters.spark.engine import SparkEngine
from bench.report import replace_section
from bench.session import bench_session
from lakecore.ports import RunContext
from lakecore.stream import MicroBatch, stream_batch
from pipelines import orders as lh
from pipelines.orders.generate import DATASET_FOLDERS, GenerateOptions, generate
from tests.fakes.kafka import Broker, broker

TARGET = 0.7


@dataclass
class Timing:
    records: int
    seconds: float
    batches: list[float] = field(default_factory=list)  # each micro-batch, seconds

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.batches)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def send(kafka: Broker, topic: str, events: int, workdir: Path) -> int:
    """Generate a day whose Kafka share is ``events`` order events; send them in order."""
    out = workdir / "generated"
    shutil.rmtree(out, ignore_errors=True)
    generate(GenerateOptions(out, events * 5 // 4, seed=3, dirty=0.02,
                             business_date=datetime.now(UTC).date()))  # fmt: skip

    def records() -> Iterator[Produced]:
        for path in sorted((out / DATASET_FOLDERS["orders_events"]).glob("*.jsonl")):
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    envelope = json.loads(line)
                    key, value = envelope.get("key"), envelope["value"]
                    yield Produced(None if key is None else str(key).encode(), value.encode())

    kafka.create_topic(topic, partitions=3)
    return KafkaTopics(kafka.bootstrap, timeout=30).produce(topic, records())


def plain(spark: SparkSession, kafka: Broker, topic: str, lake: Path, per_trigger: int) -> Timing:
    """Kafka -> Delta append, nothing else: the floor a stream job cannot go below."""
    started = time.perf_counter()
    query = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", kafka.bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", str(per_trigger))
        .load()
        .writeStream.format("delta")
        .option("checkpointLocation", str(lake / "_checkpoints" / "plain"))
        .trigger(availableNow=True)
        .start(str(lake / "bronze" / "plain"))
    )
    query.awaitTermination()
    seconds = time.perf_counter() - started
    done = [p for p in query.recentProgress if p["numInputRows"]]
    records = sum(int(p["numInputRows"]) for p in done)
    return Timing(records, seconds, [p["durationMs"]["triggerExecution"] / 1000 for p in done])


def lakecore(
    spark: SparkSession, kafka: Broker, topic: str, lake: Path, per_trigger: int
) -> Timing:
    """``lakecore stream orders --available-now``, in process."""
    store, engine = DeltaTableStore(spark, str(lake)), SparkEngine(spark)
    run = RunContext(
        "bench-stream", datetime.now(UTC).date(), datetime.now(UTC).replace(tzinfo=None)
    )
    batches: list[float] = []
    records = 0

    def handle(batch: MicroBatch[Any]) -> object:
        nonlocal records
        outcome = stream_batch(batch, stream=lh.ORDERS_STREAM, pipeline=lh.PIPELINE,
                               store=store, engine=engine, run=run,
                               progress=lambda *_, **__: None)  # fmt: skip
        records += outcome.records
        return outcome

    def progress(step: str, **facts: Any) -> None:
        if step == "stream.batch":
            batches.append(facts["duration_ms"] / 1000)

    config = KafkaStreamConfig(kafka.bootstrap, str(lake / "_checkpoints" / "orders"),
                               topic=topic, max_offsets_per_trigger=per_trigger,
                               available_now=True)  # fmt: skip
    started = time.perf_counter()
    SparkKafkaSource(spark, config, progress).run(lh.ORDERS_STREAM, handle)
    seconds = time.perf_counter() - started
    time.sleep(1)  # the last progress event comes from Spark's listener bus
    return Timing(records, seconds, batches)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.stream", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-trigger", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("build/bench-stream"))
    parser.add_argument("--report", type=Path, default=Path("docs/BENCHMARKS.md"))
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    spark_gen = bench_session("bench-stream")
    spark = next(spark_gen)
    runs: dict[str, list[Timing]] = {"plain": [], "lakecore": []}
    try:
        with broker(workdir / "kafka") as kafka:
            sent = send(kafka, "orders_events", args.events, workdir)
            print(f"sent {sent:,} events", flush=True)
            warm = min(sent, args.per_trigger)
            for name, job in (("plain", plain), ("lakecore", lakecore)):
                job(spark, kafka, _warm_topic(kafka, warm, workdir), workdir / f"warm-{name}",
                    args.per_trigger)  # fmt: skip
            for repeat in range(args.repeats):
                for name, job in (("plain", plain), ("lakecore", lakecore)):
                    timing = job(spark, kafka, "orders_events", workdir / f"{name}-{repeat}",
                                 args.per_trigger)  # fmt: skip
                    if timing.records != sent:
                        raise SystemExit(f"{name} read {timing.records:,} of {sent:,} events")
                    runs[name].append(timing)
                    print(f"{name:>8}: {timing.rate:>9,.0f} records/s, p50 "
                          f"{timing.percentile(0.5):.1f} s, p95 {timing.percentile(0.95):.1f} s",
                          flush=True)  # fmt: skip
            _check_lake(spark, workdir / f"lakecore-{args.repeats - 1}", sent)
    finally:
        next(spark_gen, None)
    best = {name: max(timings, key=lambda t: t.rate) for name, timings in runs.items()}
    ratio = best["lakecore"].rate / best["plain"].rate
    print(f"lakecore / plain = {ratio:.2f}x (target >= {TARGET}x)")
    replace_section(args.report, "stream", render(args, sent, best, runs, ratio))
    print(f"wrote {args.report}")
    return 0


def _warm_topic(kafka: Broker, events: int, workdir: Path) -> str:
    topic = f"warm_{os.getpid()}_{time.monotonic_ns()}"
    send(kafka, topic, max(1000, events // 10), workdir / "warm")
    return topic


def _check_lake(spark: SparkSession, lake: Path, sent: int) -> None:
    """The benchmark's lake is right: every event in bronze or the dead letters, once."""
    store = DeltaTableStore(spark, str(lake))
    bronze = store.read(lh.ORDERS_STREAM.dataset.bronze).count()
    dead = store.read(lh.ORDERS_STREAM.dead_letters).count()
    if bronze + dead != sent:
        raise SystemExit(f"bronze {bronze:,} + dead letters {dead:,} != {sent:,} sent")


def render(
    args: Any, sent: int, best: dict[str, Timing], runs: dict[str, list[Timing]], ratio: float
) -> str:
    lines = [
        "## The orders stream: Kafka -> bronze, silver and dead letters",
        "",
        f"`python -m bench.stream` (in `make bench`): {sent:,} generated order events (2% "
        "defective) on a local Kafka broker (KRaft, 3 partitions), read with "
        f"`maxOffsetsPerTrigger` {args.per_trigger:,} and `--available-now`, local[*] on 2 "
        f"cores. Best of {args.repeats} runs of each, side by side in one Spark session, after "
        "a warm-up.",
        "",
        "| job | records/s | micro-batch p50 | p95 | runs (records/s) |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, label in (("plain", "plain Spark: Kafka -> Delta append"),
                        ("lakecore", "lakecore stream orders")):  # fmt: skip
        t = best[name]
        each = ", ".join(f"{r.rate:,.0f}" for r in runs[name])
        lines.append(f"| {label} | {t.rate:,.0f} | {t.percentile(0.5):.1f} s | "
                     f"{t.percentile(0.95):.1f} s | {each} |")  # fmt: skip
    lines += [
        "",
        f"* lakecore keeps **{ratio:.2f}x** the plain job's throughput (target >= {TARGET}x). "
        "Per micro-batch it parses the JSON against the explicit schema, applies the conform "
        "rules, writes dead letters and bronze, and MERGEs into `silver.orders`, each write "
        "marked with the batch id; the plain job appends the raw records only.",
    ]
    if ratio < TARGET:
        lines.append(
            "* **Below the target.** Where a micro-batch's time goes, and what is next: "
            "[STREAMING.md](STREAMING.md#throughput)."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
