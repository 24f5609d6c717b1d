from __future__ import annotations

from typing import Any

import pytest

from adapters.memory import InMemoryTableStore
from lakecore.testing.contracts import TableStoreContract


class TestInMemoryTableStore(TableStoreContract):
    @pytest.fixture(autouse=True)
    def _store(self) -> None:
        self.store = InMemoryTableStore()

    def frame(self, rows: list[dict[str, Any]]) -> Any:
        return rows

    def rows(self, frame: Any) -> list[tuple[Any, ...]]:
        return [tuple(r.values()) for r in frame]
