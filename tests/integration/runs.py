"""What the crash-and-rerun tests share: the CLI's environment, a SIGKILL at a progress
event, and a lake's content to compare."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from lakecore.testing import Content, lake_content
from pipelines import orders as lh

REPO = Path(__file__).resolve().parents[2]
LAKECORE = Path(sys.executable).with_name("lakecore")


def cli_env(lake: str | Path, **settings: str) -> dict[str, str]:
    """The environment of a ``lakecore`` command on ``lake``: JSON logs, no gate threshold."""
    return {
        **os.environ,
        "LAKECORE_LAKE_ROOT": str(lake),
        "LAKECORE_LOG_FORMAT": "json",
        "LAKECORE_QUARANTINE_THRESHOLD": "1.0",
        "LAKECORE_JARS_DIR": str(REPO / "build" / "jars"),
        "SPARK_LOCAL_IP": "127.0.0.1",
        **settings,
    }


def events(stream: Iterator[str]) -> Iterator[str]:
    for line in stream:
        try:
            yield json.loads(line).get("event", "")
        except ValueError:
            continue  # the JVM's own lines


def kill_at(command: list[str], env: Mapping[str, str], event: str, occurrence: int) -> int:
    """Start ``command``; SIGKILL its process group (driver and JVM) at the
    ``occurrence``-th ``event``. Returns how it ended: ``-SIGKILL`` when the kill landed."""
    with subprocess.Popen(
        command, env=dict(env), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        start_new_session=True,
    ) as proc:  # fmt: skip
        assert proc.stderr is not None
        seen = 0
        for name in events(proc.stderr):
            seen += name == event
            if seen == occurrence:
                os.killpg(proc.pid, signal.SIGKILL)
                break
        return proc.wait(timeout=120)


def content(spark: SparkSession, lake: str | Path, ignore: Collection[str] = ()) -> Content:
    store = DeltaTableStore(spark, str(lake))
    return lake_content(
        lh.PIPELINE,
        lambda t: store.exists(t.id),
        lambda t: [row.asDict() for row in store.read(t).collect()],
        ignore=ignore,
    )
