"""What the crash-and-rerun tests share: the CLI's environment, a SIGKILL at a progress
event, and a lake's content to compare."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Collection, Iterator, Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import structlog
from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.memory import (
    InMemoryEngine,
    InMemoryGate,
    InMemoryReportStore,
    InMemoryTableStore,
    LocalFileLanding,
)
from adapters.spark.engine import SparkEngine
from adapters.spark.landing import SparkFileLanding
from adapters.spark.quality import SparkGate
from lakecore.daily import run_daily
from lakecore.gate import Gate
from lakecore.ports import Progress, RunContext
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


def in_process(
    spark: SparkSession, args: list[str], env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """``lakecore <args>`` run in this process on the test session's Spark, in the
    environment ``env`` (``cli_env``; no ``LAKECORE_*`` setting of this one's): its exit code,
    stdout and stderr as a process would give them, without a new JVM's start and warm-up
    (15-25 s a command). For tests about what a command does, not about its process."""
    import entrypoints.containers
    from entrypoints import cli

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patched, redirect_stdout(out), redirect_stderr(err):
        patched.setattr(entrypoints.containers, "local_session", lambda **_: iter([spark]))
        for name in [n for n in os.environ if n.startswith("LAKECORE_")]:
            patched.delenv(name)
        for name, value in env.items():
            if os.environ.get(name) != value:
                patched.setenv(name, value)
        logging = structlog.get_config()  # the command points its log at ``err``
        try:
            code = cli.main(args)
        except SystemExit as exc:  # argparse refuses with exit 2
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            structlog.configure(**logging)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


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


#: the tables whose business content every engine must agree on
SILVER_AND_GOLD = (lh.ORDERS, lh.FX_RATES, lh.ACCOUNTS, lh.DIM_CUSTOMERS, lh.DIM_FX, lh.FACT_ORDERS)


def permissive(executor: Any) -> Gate[Any]:
    """A gate that never stops a run: the generated data is dirtier than its threshold."""
    return Gate(executor, InMemoryReportStore(), lh.SUITES, quarantine_threshold=1.0)


def memory_lake(landing: Path, run: RunContext) -> InMemoryTableStore:
    """The reference: one day of ``landing`` through the memory engine."""
    memory = InMemoryTableStore()
    run_daily(
        pipeline=lh.PIPELINE,
        landing=LocalFileLanding(landing),
        store=memory,
        engine=InMemoryEngine(),
        gate=permissive(InMemoryGate()),
        run=run,
        progress=lambda step, **facts: None,
    )
    return memory


def business(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Rows as comparable text tuples of ``columns``, in a stable order."""
    return sorted((tuple(str(r[c]) for c in columns) for r in rows), key=repr)


def spark_daily(
    spark: SparkSession,
    store: DeltaTableStore,
    landing: Path,
    run: RunContext,
    progress: Progress | None = None,
    *,
    rebuild_gold: bool = False,
) -> Any:
    """One day of ``landing`` through Spark into ``store``, the gate never stopping it."""
    return run_daily(
        pipeline=lh.PIPELINE,
        landing=SparkFileLanding(spark, landing),
        store=store,
        engine=SparkEngine(spark),
        gate=permissive(SparkGate()),
        run=run,
        progress=progress or (lambda step, **facts: None),
        rebuild_gold=rebuild_gold,
    )
