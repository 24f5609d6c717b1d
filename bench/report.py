"""``docs/BENCHMARKS.md`` is written by the benchmarks: each owns one marked section."""

from __future__ import annotations

import re
import time
from pathlib import Path

HEADER = """# Benchmarks

Written by `make bench`; each section is replaced by its own benchmark. Figures are ratios
measured side by side in one run, on a shared and noisy machine: compare ratios, not seconds.
"""


def replace_section(report: Path, name: str, body: str) -> None:
    """Put ``body`` between the ``name`` markers, keeping every other section."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    text = report.read_text() if report.exists() else HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{block}\n"
    )
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text)


def host_yardstick() -> float:
    """This host's speed now: the best of three timings of a fixed pure-Python loop (20
    million additions in a function). The same 2-core machine is not equally fast from day to
    day, so a benchmark that reports seconds reports this beside them."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(20_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def host_speed(before: float, after: float) -> str:
    """The sentence a report gives ``host_yardstick``'s timings taken around its runs."""
    return (
        "The host's speed (`bench.report.host_yardstick`, the best of three pure-Python loops "
        f"of 20 million additions): {before:.2f} s before the runs, {after:.2f} s after."
    )
