"""Benchmark: a small day, cold. ``lakecore run daily`` as a user runs it (a new process, its
own Spark session) on 8,000 generated records into an empty lake, with the default Spark
profile (``auto``: the small-data session for a landing this size) and with Spark's defaults
(``LAKECORE_SPARK_PROFILE=large``), and with the default but without the class-data archive
(``make jars``: ``entrypoints.jvm_archive``), alternating. The result replaces the ``small``
section of ``docs/BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from adapters.spark.session import JVM_ARCHIVE
from bench.report import host_speed, host_yardstick, replace_section
from pipelines.orders.generate import GenerateOptions, generate

DAY = date(2026, 11, 27)
TARGET_SECONDS = 30.0
LAKECORE = Path(sys.executable).with_name("lakecore")
#: name -> (LAKECORE_SPARK_PROFILE, whether the driver starts from the class-data archive)
MODES = {
    "auto (default: small-data profile)": ("auto", True),
    "large (Spark's defaults)": ("large", True),
    "auto, no class-data archive": ("auto", False),
}


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    #: from the command's start to its first progress event (interpreter, JVM, session)
    start_up: float


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.small", description=__doc__)
    parser.add_argument("--rows", type=int, default=8_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("build/bench-small"))
    parser.add_argument("--report", type=Path, default=Path("docs/BENCHMARKS.md"))
    args = parser.parse_args(argv)

    jars = Path(os.environ.get("LAKECORE_JARS_DIR", ""))
    if not (jars / JVM_ARCHIVE).is_file():
        raise SystemExit(f"bench.small: no {JVM_ARCHIVE} in LAKECORE_JARS_DIR: run `make jars`")
    shutil.rmtree(args.workdir, ignore_errors=True)
    landing = args.workdir / "landing"
    generate(GenerateOptions(landing, args.rows, seed=7, dirty=0.02, business_date=DAY))
    # The same jars (a local session resolves the links) in a folder without the archive.
    bare = args.workdir / "jars-without-archive"
    bare.mkdir()
    for jar in jars.glob("*.jar"):
        (bare / jar.name).symlink_to(jar.resolve())
    runs: dict[str, list[Run]] = {mode: [] for mode in MODES}
    before = host_yardstick()
    for n in range(args.repeats):
        for i, (mode, (profile, archive)) in enumerate(MODES.items()):
            lake = args.workdir / f"lake-{n}-{i}"
            runs[mode].append(cold_run(landing, lake, profile, jars if archive else bare))
            print(f"{mode}: {runs[mode][-1].seconds:.1f} s", flush=True)
    host = (before, host_yardstick())
    replace_section(args.report, "small", render(runs, args.rows, args.repeats, host))
    print(f"wrote {args.report}")
    return 0


def cold_run(landing: Path, lake: Path, profile: str, jars: Path) -> Run:
    env = {
        **os.environ,
        "LAKECORE_JARS_DIR": str(jars),
        "LAKECORE_LAKE_ROOT": str(lake),
        "LAKECORE_LOG_FORMAT": "json",
        "LAKECORE_QUARANTINE_THRESHOLD": "1.0",
        "LAKECORE_SPARK_PROFILE": profile,
        "LAKECORE_LINEAGE_URL": "off",
    }
    command = [str(LAKECORE), "run", "daily", "--landing", str(landing), "--date", str(DAY)]
    started = time.time()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"lakecore run daily failed ({done.returncode}): {done.stderr[-2000:]}")
    first = next(_at(line) for line in done.stderr.splitlines() if '"daily.started"' in line)
    return Run(seconds, first - started)


def _at(line: str) -> float:
    stamp = json.loads(line)["timestamp"].replace("Z", "+00:00")
    return datetime.fromisoformat(stamp).timestamp()


def render(runs: dict[str, list[Run]], rows: int, repeats: int, host: tuple[float, float]) -> str:
    median = {mode: statistics.median(r.seconds for r in found) for mode, found in runs.items()}
    start_up = {mode: statistics.median(r.start_up for r in found) for mode, found in runs.items()}
    default, large, unarchived = (median[mode] for mode in MODES)
    lines = [
        "## A small day, cold: `lakecore run daily` on 8,000 records",
        "",
        f"`python -m bench.small` (in `make bench`; {date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, local[2]): {rows:,} generated records (5 landing files, "
        f"13 tables written), each run a new process into an empty lake, {repeats} runs of "
        "each, alternating. Seconds are wall time, start-up included.",
        "",
        "| Spark profile | runs (s) | median (s) |",
        "|---|---|---|",
    ]
    for mode, found in runs.items():
        seconds = " / ".join(f"{r.seconds:.1f}" for r in found)
        lines.append(f"| {mode} | {seconds} | {median[mode]:.1f} |")
    verdict = "meets" if default <= TARGET_SECONDS else "misses"
    lines += [
        "",
        f"**{default:.1f} s** with the default ({verdict} the target of ≤ "
        f"{TARGET_SECONDS:.0f} s); auto / Spark's defaults = "
        f"{default / large:.2f}x; with the class-data archive / without it = "
        f"{default / unarchived:.2f}x. Start-up (interpreter, JVM, Spark session, to the "
        "run's first event), median of each profile: "
        + ", ".join(f"{mode} {start_up[mode]:.1f} s" for mode in MODES)
        + ". "
        + host_speed(*host),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
