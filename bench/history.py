"""Benchmark: what a day costs as history grows. Silver holds 1x or 16x a day's volume of
history; the same day then runs, with gold updated from silver's changes (the default) and
rebuilt from all of silver (``--rebuild-gold``), alternating, each from a copy of the same
lake. The result replaces the ``history`` section of ``docs/BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from pyspark.sql import SparkSession

from bench.daily import run_lakecore
from bench.report import replace_section
from bench.session import bench_session
from lakecore.ports import Progress
from pipelines.orders.generate import GenerateOptions, generate

DAY = date(2026, 11, 27)
HISTORIES = (1, 16)
MODES = {"updated from changes": False, "rebuilt": True}
TARGET = 1.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.history", description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="a day's order records")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("build/bench-history"))
    parser.add_argument("--report", type=Path, default=Path("docs/BENCHMARKS.md"))
    args = parser.parse_args(argv)

    shutil.rmtree(args.workdir, ignore_errors=True)
    day = args.workdir / "day"
    generate(GenerateOptions(day, args.rows, seed=7, dirty=0.02, business_date=DAY))
    spark_gen = bench_session("bench-history")
    spark = next(spark_gen)
    try:
        bases = {h: build_history(spark, args.workdir, h, args.rows) for h in HISTORIES}
        times: dict[tuple[int, str], list[float]] = {}
        gold: dict[tuple[int, str], list[float]] = {}
        for repeat in range(args.repeats):
            for history in HISTORIES:
                modes = list(MODES) if repeat % 2 == 0 else list(reversed(MODES))
                for mode in modes:
                    lake = args.workdir / f"lake-{history}x-run"
                    shutil.rmtree(lake, ignore_errors=True)
                    shutil.copytree(bases[history], lake)
                    spark.catalog.clearCache()
                    total, in_gold = timed_day(spark, day, lake, rebuild=MODES[mode])
                    times.setdefault((history, mode), []).append(total)
                    gold.setdefault((history, mode), []).append(in_gold)
                    print(f"{history:>2}x history, gold {mode}: {total:6.1f} s "
                          f"(gold {in_gold:5.1f} s)", flush=True)  # fmt: skip
    finally:
        next(spark_gen, None)
    section = render(args, times, gold)
    replace_section(args.report, "history", section)
    print(section)
    print(f"wrote {args.report}")
    return 0


def build_history(spark: SparkSession, workdir: Path, history: int, rows: int) -> Path:
    """A lake whose silver holds ``history`` days' volume, landed the day before. Same seed
    as the day: the rates of a date are then the same in both, as a real feed's are."""
    landing = workdir / f"history-{history}x"
    generate(GenerateOptions(landing, history * rows, seed=7, dirty=0.02,
                             business_date=DAY - timedelta(days=1)))  # fmt: skip
    lake = workdir / f"lake-{history}x"
    run(spark, landing, lake, f"history-{history}", rebuild=False)
    return lake


def timed_day(
    spark: SparkSession, landing: Path, lake: Path, *, rebuild: bool
) -> tuple[float, float]:
    """The day's run: seconds in all, and from its first gold step to its end."""
    marks: dict[str, float] = {}
    started = time.perf_counter()

    def progress(step: str, **facts: object) -> None:
        if step.startswith("gold.") and "gold" not in marks:
            marks["gold"] = time.perf_counter()

    run(spark, landing, lake, "day", rebuild=rebuild, progress=progress)
    ended = time.perf_counter()
    return ended - started, ended - marks.get("gold", ended)


def run(
    spark: SparkSession,
    landing: Path,
    lake: Path,
    run_id: str,
    *,
    rebuild: bool,
    progress: Progress | None = None,
) -> None:
    """The daily pipeline with only the quarantine share judged (and allowed)."""
    run_lakecore(spark, landing, lake, run_id, {}, progress=progress, rebuild_gold=rebuild)


def render(
    args: argparse.Namespace,
    times: dict[tuple[int, str], list[float]],
    gold: dict[tuple[int, str], list[float]],
) -> str:
    med = {key: statistics.median(values) for key, values in times.items()}
    med_gold = {key: statistics.median(values) for key, values in gold.items()}
    low, high = HISTORIES
    lines = [
        "## History: a day's cost with 1x and 16x history in silver (gold from changes)",
        "",
        f"`python -m bench.history` (in `make bench`; {date.today()}, {platform.machine()}): "
        f"the same day ({args.rows:,} order records, plus the accounts and rates that come "
        f"with them) on a lake whose silver holds {low}x and {high}x a day's volume of history; "
        f"median of {args.repeats} runs each, one process, `local[*]` on "
        f"{os.cpu_count()} cores. The gate judges only the quarantine share (the candidates' "
        "suites would be the same work in both modes).",
        "",
        "| history | gold | whole run (s) | gold stage (s) |",
        "|---|---|---:|---:|",
    ]
    for history in HISTORIES:
        for mode in MODES:
            key = (history, mode)
            lines.append(f"| {history}x | {mode} | {med[key]:.1f} | {med_gold[key]:.1f} |")
    lines.append("")
    for mode in MODES:
        whole = med[(high, mode)] / med[(low, mode)]
        stage = med_gold[(high, mode)] / med_gold[(low, mode)]
        lines.append(
            f"- gold {mode}: {high}x history costs **{whole:.2f}x** the whole run of {low}x "
            f"(gold stage {stage:.2f}x); target <= {TARGET}x."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
