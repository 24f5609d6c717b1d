"""Bad input gets one clear line on stderr and the right exit code (no Spark needed).

Most cases call the command line's ``main`` in this process (what ``python -m
entrypoints.cli`` runs, less the interpreter's start); one case and the import probe run a
real process.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from dependency_injector import providers

from entrypoints import cli
from entrypoints.containers import Container
from entrypoints.runner import guarded, running
from entrypoints.settings import Settings
from lakecore.errors import TerminalError

Lakecore = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def lakecore(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Lakecore:
    """Run the command line in this process: ``lakecore(*args, cwd=..., **env)``."""

    def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.chdir(cwd)
        for name in [n for n in os.environ if n.startswith("LAKECORE_KAFKA_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse refuses with exit 2
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    return run


def _lakecore(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if not k.startswith("LAKECORE_KAFKA_")} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("run", "daily", "--landing", "no/such/folder"),
            "landing folder no/such/folder does not exist",
        ),
        (("run", "daily"), "say where landing files are: --landing or LAKECORE_LANDING"),
        (("run", "daily", "--stage", "bronze"), "invalid Stage value: 'bronze'"),
        (("show", "gold.no_such_table"), "unknown table 'gold.no_such_table'"),
        (("show", "../../etc"), "invalid table '../../etc'"),
        (("generate", "--out", "x", "--dirty", "2"), "must be between 0 and 1"),
        (("generate", "--out", "x", "--rows", "0"), "must be at least 1"),
        (("dq", "--table", "bronze.fx_rates"), "no quality suite for 'bronze.fx_rates'"),
        (
            ("dq", "--table", "silver.orders", "--docs", "--executor", "native"),
            "--docs needs the gx executor",
        ),
        (("dq", "--table", "silver.orders", "--executor", "fast"), "invalid choice: 'fast'"),
        (("stream", "orders"), "kafka is not configured: set LAKECORE_KAFKA_BOOTSTRAP_SERVERS"),
        (("stream", "status"), "kafka is not configured: set LAKECORE_KAFKA_BOOTSTRAP_SERVERS"),
        (("stream", "nope"), "pipeline orders has no stream 'nope' (streams: orders)"),
        (("generate", "--out", "x", "--to-kafka"), "kafka is not configured"),
        (("register", "--db", "platinum"), "invalid choice: 'platinum'"),
        (
            ("housekeeping", "--retain-hours", "24"),
            "--retain-hours 24 is below 168 (7 days): a running reader or writer older than "
            "that may fail and time travel before it stops working; pass "
            "--force-retention-below-168h-breaks-time-travel to do it anyway",
        ),
        (("housekeeping", "--table", "gold.nope"), "unknown table 'gold.nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, lakecore: Lakecore, args: tuple[str, ...], message: str
) -> None:
    result = lakecore(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()  # nothing generated on a refused command


def test_a_refused_command_in_its_own_process_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _lakecore("run", "daily", "--landing", "no/such/folder", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "lakecore: error: landing folder no/such/folder does not exist\n"


def test_register_without_a_database_for_the_layer_is_refused_before_spark(
    tmp_path: Path, lakecore: Lakecore
) -> None:
    result = lakecore(
        "register", "--db", "gold", cwd=tmp_path, LAKECORE_AWS_GLUE_DATABASES='["lake_silver"]'
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "lakecore: error: LAKECORE_AWS_GLUE_DATABASES needs exactly one database ending in "
        "_gold, has none"
    )


@pytest.mark.parametrize("root", ["hdfs://namenode/lake", "gs://bucket/lake", "s3:///lake"])
def test_a_lake_root_neither_local_nor_s3_is_refused(
    tmp_path: Path, lakecore: Lakecore, root: str
) -> None:
    result = lakecore("show", "gold.fact_orders", cwd=tmp_path, LAKECORE_LAKE_ROOT=root)
    assert result.returncode == 2
    assert result.stderr.startswith("lakecore: error: invalid setting LAKECORE_LAKE_ROOT: ")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("show", "gold.fact_orders"),
        ("dq",),
        ("dq", "--table", "silver.orders"),
        ("report",),
        ("restore", "--table", "gold.fact_orders", "--version", "0"),
    ],
)
def test_reading_a_lake_that_is_not_there_is_refused_before_spark(
    tmp_path: Path, lakecore: Lakecore, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    import entrypoints.containers

    def no_spark(*_: object, **__: object) -> None:
        pytest.fail("Spark started for a lake that is not there")

    monkeypatch.setattr(entrypoints.containers, "local_session", no_spark)
    result = lakecore(*args, cwd=tmp_path, LAKECORE_LAKE_ROOT="no/lake")
    assert result.returncode == 2
    assert result.stderr == (
        "lakecore: error: no lake at no/lake: nothing has run there yet (LAKECORE_LAKE_ROOT "
        "names the lake; `lakecore run daily` makes one)\n"
    )
    assert not (tmp_path / "no").exists()  # and nothing was made there


def test_generate_writes_landing_files(tmp_path: Path, lakecore: Lakecore) -> None:
    result = lakecore(
        "generate", "--out", "land", "--rows", "50", "--date", "2026-11-27", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "land" / "_manifest.json").is_file()
    assert list((tmp_path / "land" / "kafka" / "orders_events").glob("*.jsonl"))


def test_the_command_line_loads_no_source_extra_it_is_not_asked_for() -> None:
    """``lakecore[spark]`` alone runs the CLI: the Salesforce, Snowflake and Kafka clients
    are extras, imported only when their source is configured."""
    probe = (
        "import sys, entrypoints.cli, entrypoints.containers;"
        "loaded = [m for m in ('snowflake.connector', 'simple_salesforce', 'tenacity', 'requests',"
        " 'confluent_kafka')"
        " if m in sys.modules]; print(loaded); sys.exit(1 if loaded else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_bug_is_one_line_naming_where_without_its_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken() -> int:
        return {"a": 1}["password=hunter2"]

    assert guarded(broken) == 1
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"lakecore: error: internal error: KeyError at \w+/\w+\.py:\d+ "
        r"\(a bug in lakecore; please report it\)\n",
        err,
    ), err
    assert "hunter2" not in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (OSError(errno.ENAMETOOLONG, "File name too long", "x" * 300), 2),
        (OSError(errno.EACCES, "Permission denied", "/lake"), 2),
        (OSError(errno.ENOSPC, "No space left on device", "/lake/part-0"), 1),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused", "127.0.0.1:1"), 75),
    ],
)
def test_a_path_the_system_refuses_is_named_with_its_reason(
    capsys: pytest.CaptureFixture[str], error: OSError, code: int
) -> None:
    def refused() -> int:
        raise error

    assert guarded(refused) == code
    assert capsys.readouterr().err == f"lakecore: error: {error.filename}: {error.strerror}\n"


def test_a_spark_error_no_adapter_translated_is_a_terminal_error_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raised while a command runs (``running``): its first line, secrets masked, no trace."""
    spark_error = type("Py4JJavaError", (Exception,), {"__module__": "py4j.protocol"})
    container = Container()
    container.settings.override(Settings(lake_root=str(tmp_path / "lake")))
    container.spark.override(providers.Object(None))  # no Spark here
    container.secret_values().add("s3cr3t-t0ken")
    with pytest.raises(TerminalError) as raised, running(container, "test"):
        raise spark_error("An error occurred: s3cr3t-t0ken refused\n\tat org.apache.Foo")
    assert str(raised.value) == "Spark: An error occurred: *** refused"
    assert isinstance(raised.value.__cause__, spark_error)


def test_a_landing_without_any_dataset_folder_is_warned_about(tmp_path: Path) -> None:
    from structlog.testing import capture_logs

    from entrypoints.daily import warn_foreign_landing
    from pipelines.orders import PIPELINE

    (tmp_path / "2026-11-27").mkdir()  # a day's folder given for the landing
    with capture_logs() as logs:
        warn_foreign_landing(tmp_path, PIPELINE)
    (warning,) = logs
    assert warning["event"] == "landing.no_dataset_folders"
    assert warning["log_level"] == "warning"
    assert "kafka/orders_events" in warning["expected"]

    (tmp_path / "fx" / "rates").mkdir(parents=True)  # one dataset's folder is enough
    with capture_logs() as logs:
        warn_foreign_landing(tmp_path, PIPELINE)
    assert logs == []
