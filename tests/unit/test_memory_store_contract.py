from __future__ import annotations

from typing import Any

import pytest

from adapters.memory import InMemoryTableStore
from lakecore.testing.contracts import TABLE, TableStoreContract


class TestInMemoryTableStore(TableStoreContract):
    @pytest.fixture(autouse=True)
    def _store(self) -> None:
        self.store = InMemoryTableStore()

    def frame(self, rows: list[dict[str, Any]]) -> Any:
        return rows

    def rows(self, frame: Any) -> list[tuple[Any, ...]]:
        return [tuple(r[c] for c in TABLE.column_names) for r in frame]
