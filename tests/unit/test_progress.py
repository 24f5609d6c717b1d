"""Progress of a long extraction: a bar on a terminal, structured log events elsewhere."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import time
from entrypoints import logs
from entrypoints.runner import progress
next(logs.configure("auto"))
progress("source.started", table="bronze.x", resumed=False)
for i in range(1, 5):
    time.sleep(0.15)
    progress("source.chunk", table="bronze.x", extracted=i * 1000, total=4000, appended=i * 1000)
progress("source.done", table="bronze.x", extracted=4000, repeated=0, appended=4000, commits=4)
"""
REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "120"}


def test_on_a_terminal_an_extraction_shows_a_bar_with_the_records_and_total() -> None:
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=child, stderr=child, env=_env())
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(timeout=30) == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output.decode(errors="replace"))
    assert "/4000 records" in text
    assert "source.done" in text
    assert "source.chunk" not in text  # the bar says it instead


def test_elsewhere_every_step_is_a_structured_event() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=_env(), timeout=30, check=True)  # fmt: skip
    events = [json.loads(line) for line in done.stderr.splitlines()]
    chunks = [e for e in events if e["event"] == "source.chunk"]
    assert [(c["extracted"], c["total"]) for c in chunks] == [(i * 1000, 4000) for i in range(1, 5)]
