"""What an EMR Serverless job run needs from us: the wheels, a packed Python environment, one
small script per job and our JVM jars, in one folder with a manifest of their checksums.

The environment is what EMR Serverless unpacks from ``spark.archives=<uri>#environment``
and runs as ``./environment/bin/python``: a whole Python (interpreter, standard library,
shared library) with the project installed, so it does not depend on the Python of the
image. PySpark is left out: the image's own matches its JVM. Python binaries are tied to the
platform they were built on: build on Linux x86_64 with a glibc no newer than the image's
(Amazon Linux 2023: 2.34), e.g. in an ``amazonlinux:2023`` container or a CI runner.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import stat
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lakecore.errors import ConfigurationError, TerminalError

ENVIRONMENT = "lakecore-environment.tar.gz"
MANIFEST = "manifest.json"
JOBS_FOLDER = "jobs"
JARS_FOLDER = "jars"
#: The image brings these (its Spark); a copy in the archive would shadow it.
FROM_THE_IMAGE = ("pyspark", "py4j")
#: Parts of the standard library a job never uses.
STDLIB_LEFT_OUT = ("site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip")
#: A Python that finds its shared library next to it, wherever it is unpacked.
LAUNCHER = """#!/bin/sh
here=$(cd "$(dirname "$0")/.." && pwd)
LD_LIBRARY_PATH="$here/lib${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}" exec "$here/bin/{binary}" "$@"
"""
JOB_SCRIPT = '''"""EMR Serverless entry point of `lakecore {job}` (written by `lakecore package`)."""

from entrypoints.jobs import run

run("{job}")
'''


@dataclass(frozen=True, slots=True)
class Manifest:
    version: str
    python: str
    #: where the environment was built: ``system machine libc``
    platform: str
    extras: tuple[str, ...]
    #: file name (relative to the folder) -> sha256
    files: Mapping[str, str]

    def save(self, folder: Path) -> None:
        body = {
            "version": self.version,
            "python": self.python,
            "platform": self.platform,
            "extras": list(self.extras),
            "files": dict(self.files),
        }
        (folder / MANIFEST).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                version=body["version"],
                python=body["python"],
                platform=body["platform"],
                extras=tuple(body["extras"]),
                files=dict(body["files"]),
            )
        except FileNotFoundError:
            raise ConfigurationError(
                f"no job artifacts in {folder}: run `lakecore package`"
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{path} is not a lakecore manifest ({exc})") from None

    def check(self, folder: Path) -> None:
        """Every file is there, as it was packaged."""
        for name, digest in self.files.items():
            path = folder / name
            if not path.is_file() or sha256(path) != digest:
                raise ConfigurationError(
                    f"{path} is missing or changed since `lakecore package`: package again"
                )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_platform() -> str:
    libc, libc_version = platform.libc_ver()
    return f"{platform.system()} {platform.machine()} {libc}-{libc_version}".strip()


def package(
    projects: Sequence[Path],
    out: Path,
    jobs: Sequence[str],
    extras: Sequence[str],
    progress: Callable[..., None],
    jars: Sequence[Path] = (),
) -> Manifest:
    """Build ``projects`` into wheels, a packed environment with them (and ``extras`` of the
    first) installed, a script per job and a copy of ``jars``, into ``out`` (replaced)."""
    for project in projects:
        if not (project / "pyproject.toml").is_file():
            raise ConfigurationError(f"{project} is not a Python project (no pyproject.toml)")
    uv = _uv()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    wheels = [_wheel(uv, project, out, progress) for project in projects]
    with tempfile.TemporaryDirectory(prefix="lakecore-env-") as work:
        env = Path(work) / "environment"
        _environment(uv, env, wheels, extras, progress)
        progress("package.packing", archive=ENVIRONMENT)
        _pack(env, out / ENVIRONMENT)
    for job in jobs:
        script = out / JOBS_FOLDER / f"{job}.py"
        script.parent.mkdir(exist_ok=True)
        script.write_text(JOB_SCRIPT.format(job=job), encoding="utf-8")
    for jar in jars:
        (out / JARS_FOLDER).mkdir(exist_ok=True)
        shutil.copy2(jar, out / JARS_FOLDER / jar.name)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    manifest = Manifest(
        version=wheels[0].name.split("-")[1],
        python=platform.python_version(),
        platform=build_platform(),
        extras=tuple(extras),
        files={str(p.relative_to(out)): sha256(p) for p in files},
    )
    manifest.save(out)
    return manifest


def _uv() -> str:
    try:
        import uv
    except ImportError:
        raise ConfigurationError("lakecore package needs uv: pip install 'lakecore[aws]'") from None
    return str(uv.find_uv_bin())


def _run(command: Sequence[str | Path], what: str) -> None:
    done = subprocess.run(  # nosec B603: our own tool with our own arguments, no shell
        [str(part) for part in command], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise TerminalError(f"{what} failed: {last[0][:300]}")


def _wheel(uv: str, project: Path, out: Path, progress: Callable[..., None]) -> Path:
    progress("package.wheel", project=str(project))
    with tempfile.TemporaryDirectory(prefix="lakecore-wheel-") as built:
        _run([uv, "build", "--wheel", "--quiet", "--out-dir", built, project],
             f"building {project}")  # fmt: skip
        (wheel,) = Path(built).glob("*.whl")
        return Path(shutil.move(wheel, out / wheel.name))


def _environment(
    uv: str, env: Path, wheels: Sequence[Path], extras: Sequence[str], progress: Callable[..., None]
) -> None:
    progress("package.environment", wheels=[w.name for w in wheels], extras=list(extras))
    python = Path(os.path.realpath(sys.executable))
    _run([uv, "venv", "--quiet", "--relocatable", "--python", python, env], "creating the venv")
    first = f"{wheels[0]}[{','.join(extras)}]" if extras else str(wheels[0])
    target = env / "bin" / "python"
    _run([uv, "pip", "install", "--quiet", "--python", target, first, *map(str, wheels[1:])],
         "installing into the environment")  # fmt: skip
    _run([uv, "pip", "uninstall", "--quiet", "--python", target, *FROM_THE_IMAGE],
         "leaving out the image's PySpark")  # fmt: skip
    _portable(env, python)


def _portable(env: Path, python: Path) -> None:
    """Turn the venv into a whole Python: its own interpreter, standard library and shared
    library, no ``pyvenv.cfg`` pointing back at this machine."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    stdlib = Path(sysconfig.get_paths(vars={"base": sys.base_prefix})["stdlib"])
    shutil.copytree(
        stdlib,
        env / "lib" / version,
        ignore=shutil.ignore_patterns("__pycache__", *STDLIB_LEFT_OUT),
        dirs_exist_ok=True,
    )
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        libdir = Path(str(sysconfig.get_config_var("LIBDIR")))
        for lib in libdir.glob(f"lib{version}*.so*"):
            shutil.copy2(lib, env / "lib" / lib.name)
    binary = env / "bin" / version
    for name in ("python", "python3", version):
        (env / "bin" / name).unlink(missing_ok=True)
    shutil.copy2(python, binary)
    for name in ("python", "python3"):
        launcher = env / "bin" / name
        launcher.write_text(LAUNCHER.format(binary=version), encoding="utf-8")
        launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (env / "pyvenv.cfg").unlink()


def _pack(env: Path, archive: Path) -> None:
    """A tar.gz of the environment's content, in a stable order, without caches."""

    def clean(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if "__pycache__" in Path(info.name).parts:
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        for path in sorted(env.iterdir()):
            tar.add(path, arcname=path.name, filter=clean)
