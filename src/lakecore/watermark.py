"""Watermarks: how far a source has been read. They only ever move forward."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Watermark:
    """The newest change already read from ``source`` (a UTC timestamp)."""

    source: str
    value: datetime | None = None

    def advance(self, seen: datetime | None) -> Watermark:
        """The watermark after a batch whose newest change is ``seen``; never moves back."""
        if seen is None or (self.value is not None and seen <= self.value):
            return self
        return Watermark(self.source, seen)
