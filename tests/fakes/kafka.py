"""A real Apache Kafka broker (KRaft, one node acting as broker and controller) on
127.0.0.1, from the jars ``make jars`` fetched into ``build/kafka`` (``jars/broker/pom.xml``).

Not a fake: the same broker production runs, started as a process because there is no
container engine. ``broker(folder)`` starts one on free ports with its data in ``folder``
and stops it (and removes nothing: the folder is the caller's).

    with broker(tmp_path) as kafka:
        kafka.bootstrap          # "127.0.0.1:<port>"
        kafka.create_topic("orders_events", partitions=3)
"""

from __future__ import annotations

import base64
import logging
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient, NewTopic

JARS_VARIABLE = "LAKECORE_KAFKA_JARS_DIR"
DEFAULT_JARS = Path(__file__).resolve().parents[2] / "build" / "kafka"

_LOG4J = """\
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
"""


class BrokerMissing(RuntimeError):
    """The broker's jars are not where ``make jars`` puts them."""


def jars_dir() -> Path:
    folder = Path(os.environ.get(JARS_VARIABLE) or DEFAULT_JARS)
    if not any(folder.glob("kafka_*.jar")):
        raise BrokerMissing(f"no Kafka broker jars in {folder}: run `make jars`")
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Broker:
    folder: Path
    port: int
    controller_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "broker.log"

    def properties(self) -> str:
        return "\n".join(
            (
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
                f"CONTROLLER://127.0.0.1:{self.controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                f"log.dirs={self.folder / 'data'}",
                "num.partitions=3",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                # room for the oversized events the stream tests send
                "message.max.bytes=4194304",
                "",
            )
        )

    def start(self, timeout: float = 60) -> None:
        jars = jars_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "server.properties"
        config.write_text(self.properties())
        (self.folder / "log4j.properties").write_text(_LOG4J)
        java = ["java", "-Xmx512m", "-XX:+UseSerialGC", "-cp", f"{jars}/*",
                f"-Dlog4j.configuration={(self.folder / 'log4j.properties').as_uri()}"]  # fmt: skip
        if not (self.folder / "data" / "meta.properties").exists():
            # "=" form: an id may start with "-", which as a separate word reads as an option.
            cluster = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            subprocess.run(
                [*java, "kafka.tools.StorageTool", "format", f"--cluster-id={cluster}", "-c",
                 str(config)],
                check=True, capture_output=True, timeout=timeout,
            )  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*java, "kafka.Kafka", str(config)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        quiet = logging.getLogger("tests.kafka.client")
        quiet.addHandler(logging.NullHandler())
        quiet.propagate = False
        config: dict[str, Any] = {"bootstrap.servers": self.bootstrap, "logger": quiet}
        admin = AdminClient(config)  # refused connections until the broker listens: quiet
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the Kafka broker exited; see {self.log}")
            try:
                if admin.list_topics(timeout=2).brokers:
                    return
            except Exception:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the Kafka broker did not start in {timeout:.0f} s")
            time.sleep(0.3)

    def create_topic(self, name: str, partitions: int = 3) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
            future.result(timeout=30)
        deadline = time.monotonic() + 30
        while len(admin.list_topics(name, timeout=5).topics[name].partitions) < partitions:
            if time.monotonic() > deadline:
                raise RuntimeError(f"topic {name} has no leaders after 30 s")
            time.sleep(0.2)

    def delete_topic(self, name: str) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for future in admin.delete_topics([name]).values():
            future.result(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextmanager
def broker(folder: Path) -> Iterator[Broker]:
    """A broker on free ports with its data in ``folder``, stopped on exit."""
    running = Broker(folder, free_port(), free_port())
    running.start()
    try:
        yield running
    finally:
        running.stop()
