"""``InMemoryStateStore``: watermarks in a dict, never moved backwards."""

from __future__ import annotations

from lakecore.watermark import Watermark


class InMemoryStateStore:
    """Keeps the furthest watermark seen per source; never raises."""

    def __init__(self) -> None:
        self._marks: dict[str, Watermark] = {}

    def watermark(self, source: str) -> Watermark:
        return self._marks.get(source, Watermark(source))

    def advance(self, watermark: Watermark) -> Watermark:
        moved = self.watermark(watermark.source).advance(watermark.value)
        self._marks[watermark.source] = moved
        return moved
