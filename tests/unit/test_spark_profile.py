"""``LAKECORE_SPARK_PROFILE``: ``auto`` gives a run that may read little (its landing and a
local lake) the small-data session (interpreted expressions, quick JIT) and a larger one
Spark's defaults; an explicit profile is kept. No Spark starts here: only the choice and
the session's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.spark import session
from entrypoints.containers import SMALL_DATA_BYTES, Container, spark_profile
from entrypoints.daily import choose_profile
from entrypoints.settings import Settings, SparkProfile


def _chosen(landing: Path, profile: str, lake: str = "no-lake") -> SparkProfile:
    container = Container()
    container.settings.override(Settings(lake_root=lake, spark_profile=SparkProfile(profile)))
    choose_profile(container, landing)
    return container.settings().spark_profile


def _landing(tmp_path: Path, size: int) -> Path:
    folder = tmp_path / "landing" / "kafka" / "2026-11-27"
    folder.mkdir(parents=True)
    (folder / "orders.jsonl").write_bytes(b"{}\n" * 10)
    with (folder / "more.jsonl").open("wb") as handle:  # sparse: no disk used
        handle.truncate(size)
    return tmp_path / "landing"


def test_auto_picks_small_below_the_threshold_and_large_from_it(tmp_path: Path) -> None:
    assert _chosen(_landing(tmp_path / "a", SMALL_DATA_BYTES - 31), "auto") is SparkProfile.SMALL
    assert _chosen(_landing(tmp_path / "b", SMALL_DATA_BYTES - 30), "auto") is SparkProfile.LARGE


def test_auto_counts_a_local_lake_and_not_one_on_s3(tmp_path: Path) -> None:
    lake = _landing(tmp_path / "lake", SMALL_DATA_BYTES // 2)
    landing = _landing(tmp_path / "day", SMALL_DATA_BYTES // 2)
    assert _chosen(landing, "auto", str(lake)) is SparkProfile.LARGE
    assert _chosen(landing, "auto", "s3://bucket/lake") is SparkProfile.SMALL
    # Commands without a landing (dq, housekeeping, register, ...): the lake alone.
    assert spark_profile(Settings(lake_root=str(lake))) is SparkProfile.SMALL
    assert spark_profile(Settings(lake_root=str(tmp_path))) is SparkProfile.LARGE


@pytest.mark.parametrize("profile", ["small", "large"])
def test_an_explicit_profile_is_kept(tmp_path: Path, profile: str) -> None:
    assert _chosen(_landing(tmp_path, SMALL_DATA_BYTES * 2), profile) is SparkProfile(profile)
    assert _chosen(_landing(tmp_path / "x", 0), profile) is SparkProfile(profile)


def test_an_unknown_profile_is_a_setting_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKECORE_SPARK_PROFILE", "tiny")
    with pytest.raises(ValueError, match="spark_profile"):
        Settings()


def test_the_small_data_session_interprets_and_stops_the_jit_early() -> None:
    small, large = (
        session.local_conf(master="local[2]", jars_dir=None, shuffle_partitions=2, ui=False,
                           small_data=small_data)
        for small_data in (True, False)
    )  # fmt: skip
    assert small["spark.sql.codegen.factoryMode"] == "NO_CODEGEN"
    assert small["spark.sql.codegen.wholeStage"] == "false"
    assert "-XX:TieredStopAtLevel=1" in small["spark.driver.extraJavaOptions"]
    assert "log4j2.configurationFile" in small["spark.driver.extraJavaOptions"]
    assert "spark.sql.codegen.factoryMode" not in large
    assert "TieredStopAtLevel" not in large["spark.driver.extraJavaOptions"]
    assert {k: v for k, v in small.items() if k not in session.SMALL_DATA_CONF} == {
        **large,
        "spark.driver.extraJavaOptions": small["spark.driver.extraJavaOptions"],
    }
