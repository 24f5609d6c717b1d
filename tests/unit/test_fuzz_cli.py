"""The command line under hostile arguments and settings (hypothesis): every case ends in an
exit code lakecore documents (0, 1, 2, 75) and, when it fails, one ``lakecore: error:`` line
(argparse's usage line before it, for a refused argument); never a traceback, never an
internal error. The cases are ones refused before Spark would start (that is asserted)."""

from __future__ import annotations

import os
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import entrypoints.containers
from entrypoints import cli
from tests.unit.test_fuzz_landing import FUZZ


class SparkStarted(BaseException):
    """Raised where Spark would start: the case was not hostile enough to be refused first."""


@contextmanager
def hostile_folder() -> Iterator[Path]:
    """A new folder (the case's working folder) holding a file and a folder that is not a
    demo's: a case that writes (``generate``) leaves nothing for the next."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "a_file.txt").write_text("not a folder\n")
        (root / "a_folder").mkdir()
        (root / "a_folder" / "kept.txt").write_text("someone's file\n")
        yield root


#: paths that cannot be a landing folder, an output folder or a page's file
BAD_PATHS = st.one_of(
    st.sampled_from([
        "", "no/such/folder", "\x00", "a\x00b", "x" * 5000, "a/" * 3000, "\udcff", "-", "s3://",
        "s3:///landing", "s3://bucket with space/x", "ftp://host/landing", "~nobody/x",
        "HOSTILE/a_file.txt", "HOSTILE/a_file.txt/below", "HOSTILE/a_folder",
    ]),
    st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12).map(
        lambda name: f"no/such/{name}"
    ),
)  # fmt: skip
BAD_TABLES = st.one_of(
    st.sampled_from(["", ".", "gold", "gold.", ".x", "a.b.c", "silver.nope", "GOLD.x", "\x00"]),
    st.text(max_size=12),
)
#: settings the command line validates (the environment cannot hold NUL)
BAD_SETTINGS = st.dictionaries(
    st.sampled_from([
        "LAKECORE_LAKE_ROOT", "LAKECORE_SPARK_PROFILE", "LAKECORE_QUARANTINE_THRESHOLD",
        "LAKECORE_ENV", "LAKECORE_SPARK_MASTER", "LAKECORE_PIPELINE", "LAKECORE_LANDING",
    ]),
    st.one_of(
        st.sampled_from(["", "ftp://x", "s3://", "s3://a:b@bucket/x", "huge", "-1", "2", "nan",
                         "abc", "local[0]", "no_such.module:PIPELINE", "x" * 5000]),
        st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                max_size=8),
    ),
    max_size=3,
)  # fmt: skip


def _commands(path: str, table: str) -> list[list[str]]:
    return [
        ["run", "daily", "--landing", path],
        ["generate", "--out", path, "--rows", "3"],
        ["demo", "--workdir", path, "--rows", "3"],
        ["report", "--out", path],
        ["show", table],
        ["dq", "--table", table],
        ["restore", "--table", table, "--version", "0"],
        ["run", "daily", "--landing", path, "--date", table],
    ]


#: where a demo or a page cannot go (any other new path is fine: the case would run Spark)
_UNUSABLE = ("", "\x00", "a\x00b", "x" * 5000, "a/" * 3000, "\udcff", "HOSTILE/a_folder")
UNUSABLE = {
    "demo": (*_UNUSABLE, "HOSTILE/a_file.txt", "HOSTILE/a_file.txt/below"),
    "report": _UNUSABLE,
}


def _meant(which: int, path: str) -> bool:
    """A case worth running: ``demo`` and ``report`` only with a path they cannot use, the
    daily run not on a folder (it is a landing with no files yet: the run starts)."""
    command = _commands(path, "")[which][0]
    if command == "run":
        return path != "HOSTILE/a_folder"
    return command not in UNUSABLE or path in UNUSABLE[command]


@FUZZ
@given(path=BAD_PATHS, table=BAD_TABLES, env=BAD_SETTINGS, which=st.integers(0, 7))
def test_hostile_arguments_and_settings_end_in_one_error_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    path: str,
    table: str,
    env: dict[str, str],
    which: int,
) -> None:
    assume(_meant(which, path))
    with hostile_folder() as hostile, monkeypatch.context() as patched:
        path = path.replace("HOSTILE", str(hostile))
        args = _commands(path, table)[which]

        def no_spark(*_: object, **__: object) -> None:
            raise SparkStarted(" ".join(args))

        patched.chdir(hostile)
        for name in [n for n in os.environ if n.startswith("LAKECORE_")]:
            if name not in ("LAKECORE_JARS_DIR", "LAKECORE_KAFKA_JARS_DIR"):
                patched.delenv(name)
        for name, value in env.items():
            patched.setenv(name, value)
        patched.setattr(entrypoints.containers, "local_session", no_spark)
        patched.setattr(entrypoints.containers, "cluster_session", no_spark)
        capsys.readouterr()
        try:
            code = cli.main(args)
        except SystemExit as exc:  # argparse refuses with exit 2
            code = exc.code if isinstance(exc.code, int) else -1
        except SparkStarted:
            raise AssertionError(f"reached Spark: {args} {env}") from None
        except BaseException:
            raise AssertionError(f"{args} {env}: {traceback.format_exc()}") from None
        out, err = capsys.readouterr()

    assert code in (0, 1, 2, 75), (args, env, err)
    assert "Traceback" not in err + out, (args, env)
    assert "internal error" not in err, (args, env, err)
    if code != 0:
        lines = err.strip().splitlines()
        assert lines, (args, env)
        assert lines[-1].startswith(("lakecore: error: ", "lakecore ")), (args, env, err)
        assert len(lines) == 1 or lines[0].startswith("usage:"), (args, env, err)
    else:  # only generating writes something without Spark; anything else was refused
        assert args[0] == "generate", (args, env, out)
