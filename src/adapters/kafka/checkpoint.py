"""What a Spark streaming checkpoint says about a Kafka stream: the offsets of the last
micro-batch it finished (``offsets/<n>`` for the newest ``n`` with a ``commits/<n>``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from lakecore.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Committed:
    batch: int
    #: per partition, the next offset the stream will read
    offsets: dict[int, int]


def committed(checkpoint: str, topic: str) -> Committed | None:
    """The last finished batch's offsets of ``topic``; None before the first batch."""
    parsed = urlparse(checkpoint)
    if parsed.scheme not in ("", "file"):
        raise ConfigurationError(
            f"stream status reads local checkpoints only, not {parsed.scheme}:// ones yet"
        )
    folder = Path(parsed.path if parsed.scheme else checkpoint)
    done = [int(p.name) for p in (folder / "commits").glob("[0-9]*") if p.name.isdigit()]
    if not done:
        return None
    batch = max(done)
    try:
        lines = (folder / "offsets" / str(batch)).read_text(encoding="utf-8").splitlines()
        offsets = json.loads(lines[-1]).get(topic, {})
    except (OSError, ValueError, IndexError, AttributeError) as exc:
        raise ConfigurationError(
            f"checkpoint {folder} is unreadable at batch {batch}: {exc}"
        ) from None
    return Committed(batch, {int(p): int(o) for p, o in offsets.items()})
