"""A real Apache Kafka broker (KRaft, one node acting as broker and controller) on
127.0.0.1, from the jars ``make jars`` fetched into ``build/kafka`` (``jars/broker/pom.xml``).

Not a fake: the same broker production runs, started as a process because there is no
container engine. ``broker(folder)`` starts one on free ports with its data in ``folder``
and stops it (and removes nothing: the folder is the caller's).

    with broker(tmp_path) as kafka:
        kafka.bootstrap          # "127.0.0.1:<port>"
        kafka.create_topic("orders_events", partitions=3)

    with broker(tmp_path, sasl_users={"etl": "pw"}) as kafka:
        kafka.sasl_bootstrap     # a SASL_PLAINTEXT listener: PLAIN, SCRAM-SHA-256 and -512
"""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka.admin import (
    AdminClient,
    NewTopic,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialAlteration,
    UserScramCredentialUpsertion,
)

JARS_VARIABLE = "LAKECORE_KAFKA_JARS_DIR"
DEFAULT_JARS = Path(__file__).resolve().parents[2] / "build" / "kafka"

_LOG4J = """\
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
"""


#: what the SASL listener offers; SCRAM users are made through the PLAINTEXT listener
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
_SCRAM = {
    "SCRAM-SHA-256": ScramMechanism.SCRAM_SHA_256,
    "SCRAM-SHA-512": ScramMechanism.SCRAM_SHA_512,
}


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
    #: users (name -> password) of an extra SASL_PLAINTEXT listener; no such listener if empty
    sasl_users: Mapping[str, str] = field(default_factory=dict)
    sasl_port: int = 0

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        if not self.sasl_users:
            raise RuntimeError("this broker has no SASL listener: start it with sasl_users")
        return f"127.0.0.1:{self.sasl_port}"

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
                f"CONTROLLER://127.0.0.1:{self.controller_port}{self._sasl_listener()}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}{self._sasl_listener()}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
                + (",SASL_PLAINTEXT:SASL_PLAINTEXT" if self.sasl_users else ""),
                *self._sasl_properties(),
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

    def _sasl_listener(self) -> str:
        return f",SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}" if self.sasl_users else ""

    def _sasl_properties(self) -> tuple[str, ...]:
        """The broker's side of the SASL listener: PLAIN's users in its JAAS entry (values
        quoted as JAAS reads them), SCRAM's in the cluster metadata (``_add_scram_users``)."""
        if not self.sasl_users:
            return ()
        users = " ".join(f"user_{name}={_jaas_quoted(pw)}" for name, pw in self.sasl_users.items())
        prefix = "listener.name.sasl_plaintext"
        plain = f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"
        return (
            "inter.broker.listener.name=PLAINTEXT",
            f"sasl.enabled.mechanisms={','.join(SASL_MECHANISMS)}",
            f"{prefix}.plain.sasl.jaas.config={_properties_escaped(plain)}",
            *(
                f"{prefix}.{m.lower()}.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
                for m in _SCRAM
            ),
        )

    def _add_scram_users(self) -> None:
        quiet = logging.getLogger("tests.kafka.client")  # made quiet by _wait_ready
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "logger": quiet})
        for mechanism in _SCRAM.values():  # a user once per request
            upserts: list[UserScramCredentialAlteration] = [
                UserScramCredentialUpsertion(name, ScramCredentialInfo(mechanism, 4096),
                                             password.encode(), b"lakecore-test-salt")
                for name, password in self.sasl_users.items()
            ]  # fmt: skip
            for future in admin.alter_user_scram_credentials(upserts).values():
                future.result(timeout=30)

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
        try:
            if self.sasl_users:
                self._add_scram_users()
        except BaseException:
            self.stop()
            raise

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


def _jaas_quoted(value: str) -> str:
    """A JAAS option value: in double quotes, backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _properties_escaped(value: str) -> str:
    """A value as a Java properties file holds it: backslashes doubled, beyond ASCII as
    ``\\uXXXX`` (the file is read as ISO-8859-1)."""
    escaped = value.replace("\\", "\\\\")
    return "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in escaped)


@contextmanager
def broker(folder: Path, sasl_users: Mapping[str, str] | None = None) -> Iterator[Broker]:
    """A broker on free ports with its data in ``folder``, stopped on exit; with
    ``sasl_users``, a SASL_PLAINTEXT listener too (``Broker.sasl_bootstrap``)."""
    users = dict(sasl_users or {})
    running = Broker(folder, free_port(), free_port(), sasl_users=users,
                     sasl_port=free_port() if users else 0)  # fmt: skip
    running.start()
    try:
        yield running
    finally:
        running.stop()


# --- a streaming checkpoint's files, as Spark 3.5 writes them (copied from a real one) -------

_OFFSETS_HEAD = (
    'v1\n{"batchWatermarkMs":0,"batchTimestampMs":1795968110145,"conf":{'
    '"spark.sql.streaming.stateStore.providerClass":"org.apache.spark.sql.execution.streaming.'
    'state.HDFSBackedStateStoreProvider","spark.sql.shuffle.partitions":"8"}}\n'
)
_COMMIT = 'v1\n{"nextBatchWatermarkMs":0}'


def checkpoint_files(topic: str, finished: int, planned: int) -> dict[str, str]:
    """A checkpoint's files (relative path -> text) with batches ``0..finished`` done and
    ``0..planned`` planned; batch ``n`` reads partition ``p`` (of 3) up to ``100 * (n + 1) + p``."""
    files = {
        "metadata": '{"id":"6f42a12d-20c7-4e21-a6c8-02bf058cc64d"}',
        "sources/0/0": "v1\n"
        + json.dumps({topic: {"0": 0, "1": 0, "2": 0}}, separators=(",", ":")),
        "sources/0/.0.crc": "crc",
    }
    for n in range(planned + 1):
        ends = {str(p): 100 * (n + 1) + p for p in (2, 1, 0)}
        files[f"offsets/{n}"] = _OFFSETS_HEAD + json.dumps({topic: ends}, separators=(",", ":"))
        files[f"offsets/.{n}.crc"] = "crc"
    for n in range(finished + 1):
        files[f"commits/{n}"] = _COMMIT
        files[f"commits/.{n}.crc"] = "crc"
    return files


def write_checkpoint(folder: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
