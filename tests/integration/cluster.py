"""A Spark standalone cluster on 127.0.0.1: a master and workers started from the pyspark
installation, each its own JVM with its own work folder, as separate from the driver as one
machine allows."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent


@dataclass(frozen=True, slots=True)
class Standalone:
    #: what ``--master`` takes: ``spark://127.0.0.1:<port>``
    master: str
    #: the master's web UI (its JSON at ``/json/``)
    ui: str
    logs: Path

    def state(self) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.ui}/json/", timeout=5) as answer:
            state: dict[str, object] = json.load(answer)
            return state


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def standalone(
    folder: Path,
    *,
    workers: int = 2,
    cores: int = 1,
    memory: str = "2g",
    worker_env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[Standalone]:
    """Start a master and ``workers`` workers (``cores`` and ``memory`` each); stop them all
    on exit. ``worker_env`` is added to the workers' environment (their executors inherit it)."""
    port, ui = free_port(), free_port()
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1"}
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    master = f"spark://127.0.0.1:{port}"
    cluster = Standalone(master, f"http://127.0.0.1:{ui}", logs)
    with ExitStack() as stack:
        started = [
            stack.enter_context(
                _process(
                    [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                     "--port", str(port), "--webui-port", str(ui)],
                    env, logs / "master.log",
                )
            )
        ]  # fmt: skip
        for n in range(workers):
            work = folder / f"worker-{n}"
            work.mkdir(parents=True, exist_ok=True)
            started.append(
                stack.enter_context(
                    _process(
                        [spark_class, "org.apache.spark.deploy.worker.Worker", "--host",
                         "127.0.0.1", "--cores", str(cores), "--memory", memory, "--work-dir",
                         str(work), "--webui-port", str(free_port()), master],
                        {**env, **(worker_env or {})}, logs / f"worker-{n}.log",
                    )
                )
            )  # fmt: skip
        _wait_for_workers(cluster, started, workers, timeout)
        yield cluster


@contextmanager
def _process(
    command: list[str], env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


def _wait_for_workers(
    cluster: Standalone, started: list[subprocess.Popen[bytes]], workers: int, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [p.args for p in started if p.poll() is not None]
        if dead:
            raise RuntimeError(f"a cluster process ended: {dead[0]}; logs in {cluster.logs}")
        try:
            alive = cluster.state().get("aliveworkers", 0)
        except OSError:
            alive = 0
        if alive == workers:
            return
        time.sleep(0.5)
    raise RuntimeError(
        f"{workers} workers did not register in {timeout:.0f} s; logs in {cluster.logs}"
    )
