"""Benchmark: how lakecore's cost grows with the data (the daily pipeline, the gate, the stream).

* The daily pipeline at 1x, 4x and 16x a day's records (250,000 by default): each size a cold
  ``lakecore run daily`` into an empty lake, as a user runs it (a new process, local[2],
  the native gate on). Wall time, records per second, and the largest peak resident set
  (VmHWM) in the run's process tree, sampled every 0.5 s: the Spark driver's JVM.
* The native gate on a ``silver.orders``-shaped table of two sizes (``bench.gate``'s 30 rules),
  in one Spark session, beside a bare scan of the rule columns at the same size.
* The orders stream (``bench.stream``'s lakecore job) on two sizes of the same Kafka topic.

Writes the ``scaling`` section of ``docs/BENCHMARKS.md`` and its plot, ``docs/scaling.png``.
Run it with ``make bench``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from bench.daily import DAY, prepare_landing
from bench.report import replace_section
from bench.session import bench_session

LAKECORE = Path(sys.executable).parent / "lakecore"
REPORT_PLOT = "scaling.png"
_MEMORY = {"spark.driver.memory": os.environ.get("BENCH_DRIVER_MEMORY", "8g")}


@dataclass(frozen=True)
class Point:
    """One measurement: ``size`` units of data took ``seconds``."""

    size: int
    seconds: float
    peak_mb: float | None = None

    @property
    def rate(self) -> float:
        return self.size / self.seconds


def daily_point(landing: Path, lake: Path, rows: int) -> Point:
    """A cold ``lakecore run daily`` (new process, empty lake, removed after) and the largest
    peak resident set in its process tree."""
    shutil.rmtree(lake, ignore_errors=True)
    env = {
        **os.environ,
        "LAKECORE_LAKE_ROOT": str(lake),
        "LAKECORE_QUARANTINE_THRESHOLD": "1.0",
        "LAKECORE_LINEAGE_URL": "off",
        "LAKECORE_LOG_FORMAT": "json",
    }
    command = [str(LAKECORE), "run", "daily", "--landing", str(landing), "--date", str(DAY)]
    log = lake.with_name(f"{lake.name}.log")
    started = time.perf_counter()
    with log.open("w") as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _peak(process.pid))
            time.sleep(0.5)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        tail = log.read_text()[-2000:]
        raise SystemExit(f"lakecore run daily failed ({process.returncode}): {tail}")
    shutil.rmtree(lake)
    return Point(rows, seconds, peak / 1024)


def _peak(root: int) -> int:
    """The largest peak resident set (VmHWM, kB) of ``root`` and its descendants now alive.
    The Spark driver's JVM is a grandchild (the CLI starts it), so ``wait4`` does not see it."""
    parents: dict[int, int] = {}
    peaks: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue  # the process ended while we read
        parents[int(status.parent.name)] = int(fields["PPid"])
        if "VmHWM" in fields:
            peaks[int(status.parent.name)] = int(fields["VmHWM"].split()[0])
    tree, found = {root}, True
    while found:
        found = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                found = True
    return max(peaks.get(pid, 0) for pid in tree)


def daily(sizes: Sequence[int], repeats: int, workdir: Path) -> list[Point]:
    points = []
    for rows in sizes:
        landing = prepare_landing(workdir / f"landing-{rows}", rows, 0.02)
        runs = [daily_point(landing, (workdir / f"lake-{rows}").resolve(), rows)
                for _ in range(repeats)]  # fmt: skip
        median = statistics.median(p.seconds for p in runs)
        points.append(Point(rows, median, max(p.peak_mb or 0 for p in runs)))
        print(f"daily {rows:>10,} records: {median:7.1f} s, {rows / median:9,.0f} records/s, "
              f"peak {points[-1].peak_mb:,.0f} MB", flush=True)  # fmt: skip
    return points


def gate(sizes: Sequence[int], repeats: int, workdir: Path) -> tuple[list[Point], list[Point]]:
    """The native gate and the bare scan of its columns at each size, one session."""
    from bench import gate as bench_gate

    spark_gen = bench_session("bench-scaling-gate", _MEMORY)
    spark = next(spark_gen)
    gated, scanned = [], []
    try:
        for rows in sizes:
            frame = spark.read.format("delta").load(
                str(bench_gate.orders_table(spark, workdir, rows))
            )
            bench_gate.native(frame)  # warm: the first evaluation plans and compiles
            gated.append(Point(rows, _median(partial(bench_gate.native, frame), repeats)))
            scanned.append(Point(rows, _median(partial(bench_gate.column_scan, frame), repeats)))
            print(f"gate  {rows:>10,} rows: {gated[-1].seconds:7.1f} s "
                  f"(scan {scanned[-1].seconds:.1f} s)", flush=True)  # fmt: skip
    finally:
        next(spark_gen, None)
    return gated, scanned


def stream(sizes: Sequence[int], per_trigger: int, workdir: Path) -> list[Point]:
    """lakecore's stream job on topics of each size, one session, one broker."""
    from bench import stream as bench_stream
    from tests.fakes.kafka import broker

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    spark_gen = bench_session("bench-scaling-stream", _MEMORY)
    spark = next(spark_gen)
    points = []
    try:
        with broker(workdir / "kafka") as kafka:
            bench_stream.send(kafka, "warm", 2_000, workdir / "warm")
            bench_stream.lakecore(spark, kafka, "warm", workdir / "warm-lake", per_trigger)
            for events in sizes:
                topic = f"orders_{events}"
                sent = bench_stream.send(kafka, topic, events, workdir / topic)
                timing = bench_stream.lakecore(spark, kafka, topic, workdir / f"lake-{events}",
                                               per_trigger)  # fmt: skip
                if timing.records != sent:
                    raise SystemExit(f"the stream read {timing.records:,} of {sent:,} events")
                points.append(Point(sent, timing.seconds))
                print(f"stream {sent:>9,} events: {timing.seconds:7.1f} s, "
                      f"{timing.rate:9,.0f} events/s", flush=True)  # fmt: skip
    finally:
        next(spark_gen, None)
    return points


def _median(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def growth(points: Sequence[Point]) -> float:
    """How time grew against data from the smallest to the largest size: 1.0 is linear,
    below 1 is better than linear (fixed costs amortized)."""
    first, last = points[0], points[-1]
    return (last.seconds / first.seconds) / (last.size / first.size)


def plot(series: dict[str, Sequence[Point]], unit: dict[str, str], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullLocator

    seconds = FuncFormatter(lambda value, _: f"{value:g}")

    figure, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 3.8))
    for ax, (name, points) in zip(axes, series.items(), strict=True):
        sizes = [p.size for p in points]
        ax.plot(sizes, [p.seconds for p in points], "o-", label="measured")
        first = points[0]
        ax.plot(sizes, [first.seconds * s / first.size for s in sizes], ":", color="grey",
                label="linear from the smallest")  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(sizes, [_short(size) for size in sizes])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(seconds)
        ax.yaxis.set_minor_formatter(seconds)
        ax.set_title(name)
        ax.set_xlabel(unit[name])
        ax.set_ylabel("seconds")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    figure.suptitle(f"lakecore: time against data ({os.cpu_count()} cores, local Spark)")
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)


def _marginal(points: Sequence[Point]) -> float:
    """Seconds per million more records between the two largest sizes."""
    smaller, larger = points[-2], points[-1]
    return (larger.seconds - smaller.seconds) / (larger.size - smaller.size) * 1_000_000


def _short(size: int) -> str:
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if size >= unit:
            return f"{size / unit:g}{name}"
    return str(size)


def render(
    daily_points: Sequence[Point],
    gated: Sequence[Point],
    scanned: Sequence[Point],
    streamed: Sequence[Point],
    repeats: int,
) -> str:
    base = daily_points[0]
    lines = [
        "## Scaling: time against data",
        "",
        f"`python -m bench.scaling` (in `make bench`; {datetime.now(UTC):%Y-%m-%d}, "
        f"{platform.machine()}, {os.cpu_count()} cores). Daily: a cold `lakecore run daily` "
        "(new process, local[2], native gate on, empty lake) on generated landing data of "
        f"each size, median of {repeats}; peak memory is the largest resident set in the "
        "run's process tree (VmHWM, sampled every 0.5 s: the Spark driver's JVM, "
        "`spark.driver.memory` 4g). "
        "Growth is (time ratio) / (data ratio) from the smallest size: 1.00 is linear.",
        "",
        "| daily pipeline | seconds | records/s | peak memory (MB) | time / data, x the smallest |",
        "|---|---|---|---|---|",
    ]
    for p in daily_points:
        per_row = (p.seconds / p.size) / (base.seconds / base.size)
        lines.append(f"| {p.size:,} records | {p.seconds:.1f} | {p.rate:,.0f} | "
                     f"{p.peak_mb:,.0f} | {per_row:.2f} |")  # fmt: skip
    lines += ["", "| gate and stream | seconds | per second | time / data, x the smallest |",
              "|---|---|---|---|"]  # fmt: skip
    for name, unit, points in (
        ("native gate, 30 rules", "rows", gated),
        ("bare scan of the rule columns", "rows", scanned),
        ("stream (`--available-now`)", "events", streamed),
    ):
        for p in points:
            per_row = (p.seconds / p.size) / (points[0].seconds / points[0].size)
            lines.append(f"| {name}, {p.size:,} {unit} | {p.seconds:.1f} | {p.rate:,.0f} | "
                         f"{per_row:.2f} |")  # fmt: skip
    lines += [
        "",
        f"Growth from the smallest to the largest size: daily **{growth(daily_points):.2f}**, "
        f"gate {growth(gated):.2f} (bare scan {growth(scanned):.2f}), "
        f"stream {growth(streamed):.2f}. Below 1.00 the fixed costs (session start, a Delta "
        "commit per table, Spark jobs per step) still weigh; from the second-largest to the "
        f"largest day, each further million records cost {_marginal(daily_points):.0f} s.",
        "",
        f"![time against data]({REPORT_PLOT})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.scaling", description=__doc__)
    parser.add_argument("--rows", type=int, default=250_000, help="the 1x day (order records)")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--repeats", type=int, default=1, help="cold runs of each daily size")
    parser.add_argument("--gate-rows", type=int, nargs=2, default=[2_500_000, 10_000_000])
    parser.add_argument("--stream-events", type=int, nargs=2, default=[250_000, 1_000_000])
    parser.add_argument("--per-trigger", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("build/bench-scaling"))
    parser.add_argument("--report", type=Path, default=Path("docs/BENCHMARKS.md"))
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    sizes = [args.rows * factor for factor in args.factors]

    daily_points = daily(sizes, args.repeats, workdir / "daily")
    gated, scanned = gate(args.gate_rows, 2, Path("build/bench-gate"))
    streamed = stream(args.stream_events, args.per_trigger, workdir / "stream")
    shutil.rmtree(workdir / "stream", ignore_errors=True)

    plot(
        {"daily pipeline": daily_points, "native gate": gated, "stream": streamed},
        {"daily pipeline": "order records", "native gate": "rows", "stream": "events"},
        args.report.parent / REPORT_PLOT,
    )
    replace_section(
        args.report, "scaling", render(daily_points, gated, scanned, streamed, args.repeats)
    )
    print(f"daily growth {growth(daily_points):.2f} (1.00 = linear); wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
