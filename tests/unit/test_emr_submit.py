"""``lakecore submit``'s own logic: which settings a job run gets, its token, its Spark
parameters, and how a wait ends (the EMR calls themselves: tests/integration/test_emr_jobs.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.emr.serverless import DELTA_JARS, EmrServerless, spark_conf, submit_parameters
from entrypoints.emr import client_token, job_template, lakecore_jar, uploaded
from entrypoints.settings import AwsNames, Settings, job_environment
from lakecore.errors import ConfigurationError

DAY = date(2026, 11, 20)


def test_a_job_gets_the_settings_set_here_but_not_how_this_machine_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(__import__("os").environ):
        if name.startswith(("LAKECORE_", "AWS_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LAKECORE_AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    monkeypatch.setenv("LAKECORE_AWS_GLUE_DATABASES", "a_bronze, a_silver,a_gold")
    settings = Settings(
        lake_root="s3://lake/root",
        spark_master="local[1]",
        quarantine_threshold=0.05,
        salesforce_login_url="https://example.my.salesforce.com",
    )
    assert settings.aws.glue_databases == ("a_bronze", "a_silver", "a_gold")
    assert job_environment(settings) == {
        "LAKECORE_ENV": "aws",
        "LAKECORE_LAKE_ROOT": "s3://lake/root",
        "LAKECORE_QUARANTINE_THRESHOLD": "0.05",
        "LAKECORE_SALESFORCE_LOGIN_URL": "https://example.my.salesforce.com",
        "LAKECORE_AWS_GLUE_DATABASES": "a_bronze,a_silver,a_gold",
    }


def test_names_are_read_as_json_lists_and_as_comma_separated_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAKECORE_AWS_SECRET_NAMES", '["x/one", "x/two"]')
    assert AwsNames().secret_names == ("x/one", "x/two")
    monkeypatch.setenv("LAKECORE_AWS_SECRET_NAMES", "x/one,x/two")
    assert AwsNames().secret_names == ("x/one", "x/two")


def test_the_token_is_the_job_its_arguments_the_day_and_the_attempt() -> None:
    token = client_token("extract", ["salesforce"], DAY, 1)
    assert token == client_token("extract", ["salesforce"], DAY, 1)
    others = {
        client_token("extract", ["snowflake"], DAY, 1),
        client_token("extract", ["salesforce"], date(2026, 11, 21), 1),
        client_token("extract", ["salesforce"], DAY, 2),
        client_token("backfill", ["salesforce"], DAY, 1),
    }
    assert token not in others
    assert len(others) == 4
    assert all(1 <= len(t) <= 64 for t in {token, *others})  # EMR's limit


def test_a_job_run_has_lakecores_jar_from_the_package_beside_the_images_delta() -> None:
    uris = uploaded("s3://artifacts/lakecore/0.1.0/abc", ["daily"])
    run = job_template(Settings(lake_root="s3://lake"), "daily", [], uris)
    assert run.conf["spark.jars"] == ",".join(
        [*DELTA_JARS, "s3://artifacts/lakecore/0.1.0/abc/jars/lakecore.jar"]
    )


def test_packaging_without_lakecores_jar_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"found none in .*: run `make jars`"):
        lakecore_jar(Settings(jars_dir=tmp_path))
    with pytest.raises(ConfigurationError, match=r"found none: run `make jars` and set"):
        lakecore_jar(Settings(jars_dir=None))
    (tmp_path / "lakecore.jar").write_bytes(b"PK")
    assert lakecore_jar(Settings(jars_dir=tmp_path)) == tmp_path / "lakecore.jar"


def test_parameters_with_a_space_are_refused_before_anything_starts() -> None:
    conf = spark_conf("s3://b/env.tar.gz", {"LAKECORE_PIPELINE": "my pipeline:P"})
    with pytest.raises(
        ConfigurationError, match=r"spark\.emr-serverless\.driverEnv\.LAKECORE_PIPELINE"
    ):
        submit_parameters(conf)
    assert "--conf spark.archives=s3://b/env.tar.gz#environment" in submit_parameters(
        spark_conf("s3://b/env.tar.gz", {})
    )


class _Runs:
    """EMR's GetJobRun answering states in turn (our polling, not EMR, is under test)."""

    def __init__(self, states: list[str]) -> None:
        self.states = states
        self.calls = 0

    def get_job_run(self, **_: Any) -> dict[str, Any]:
        state = self.states[min(self.calls, len(self.states) - 1)]
        self.calls += 1
        return {"jobRun": {"state": state, "stateDetails": f"details of {state}"}}


def _emr(
    runs: _Runs, events: list[tuple[str, dict[str, Any]]]
) -> tuple[EmrServerless, list[float]]:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    emr = EmrServerless(runs, None, lambda step, **facts: events.append((step, facts)),
                        sleep=sleep, clock=lambda: now[0])  # fmt: skip
    return emr, now


def test_a_wait_reports_each_state_once_and_ends_with_the_last() -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    runs = _Runs(["SUBMITTED", "SCHEDULED", "RUNNING", "RUNNING", "FAILED"])
    emr, _ = _emr(runs, events)
    finished = emr.wait("app", "run-1", timeout_s=600, poll_s=10)
    assert finished is not None
    assert (finished.state, finished.succeeded, finished.details) == (
        "FAILED",
        False,
        "details of FAILED",
    )
    assert [facts["state"] for _, facts in events] == [
        "SUBMITTED",
        "SCHEDULED",
        "RUNNING",
        "FAILED",
    ]


def test_a_wait_is_bounded() -> None:
    runs = _Runs(["RUNNING"])
    emr, now = _emr(runs, [])
    assert emr.wait("app", "run-1", timeout_s=60, poll_s=10) is None
    assert now[0] <= 60
    assert runs.calls == 7  # at 0, 10, ..., 60 s
