"""Landing files for the sensors pipeline: what meters and the registry drop, for demos and
tests. ``python -m sensors.landing --out landing --date 2026-11-27`` writes one day."""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

Record = Mapping[str, Any]


def write_day(
    root: Path, day: date, readings: Sequence[Record], sensors: Sequence[Record]
) -> list[Path]:
    """Write the day's readings (CSV) and registry entries (JSON Lines) under ``root``."""
    stamp = f"{day:%Y%m%d}"
    readings_file = root / "meters" / "readings" / f"readings-{stamp}.csv"
    sensors_file = root / "registry" / "sensors" / f"sensors-{stamp}.jsonl"
    for path in (readings_file, sensors_file):
        path.parent.mkdir(parents=True, exist_ok=True)
    with readings_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ("sensor_id", "ts", "value", "unit"), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: r.get(k) for k in writer.fieldnames} for r in readings)
    sensors_file.write_text("".join(json.dumps(dict(s)) + "\n" for s in sensors), encoding="utf-8")
    return [readings_file, sensors_file]


def sample(
    day: date, *, sensors: int = 5, per_sensor: int = 24, bad: int = 1, seed: int = 1
) -> tuple[list[Record], list[Record]]:
    """A day of hourly readings for ``sensors`` sensors, ``bad`` of them defective (no value,
    a unit that is not Celsius, a reading from a sensor id that is not one)."""
    rng = random.Random(seed)
    ids = [f"S-{n:04d}" for n in range(1, sensors + 1)]
    start = datetime.combine(day, datetime.min.time())
    readings: list[dict[str, Any]] = [
        {
            "sensor_id": sensor,
            "ts": (start + timedelta(hours=h)).isoformat() + "Z",
            "value": f"{rng.uniform(-10, 35):.3f}",
            "unit": "C",
        }
        for sensor in ids
        for h in range(per_sensor)
    ]
    defects = ({"value": ""}, {"unit": "F"}, {"sensor_id": "thermo-7"})
    for n, index in enumerate(rng.sample(range(len(readings)), bad)):
        readings[index] = {**readings[index], **defects[n % len(defects)]}
    registry = [{"sensor_id": s, "site": f"site-{int(s[2:]) % 2 + 1}", "kind": "temp"} for s in ids]
    return readings, registry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sensors.landing", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--date", type=date.fromisoformat, required=True)
    parser.add_argument("--sensors", type=int, default=5)
    args = parser.parse_args(argv)
    readings, registry = sample(args.date, sensors=args.sensors)
    for path in write_day(args.out, args.date, readings, registry):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
