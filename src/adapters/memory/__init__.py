"""In-memory adapters: product code, the reference executors, and what users test against.

A frame here is a ``list`` of ``dict`` rows.
"""

from adapters.memory.catalog import InMemoryCatalog
from adapters.memory.engine import InMemoryEngine, Rows
from adapters.memory.landing import InMemoryLandingSource, LocalFileLanding
from adapters.memory.maintenance import InMemoryMaintenance
from adapters.memory.quality import InMemoryGate, InMemoryReportStore
from adapters.memory.state import InMemoryStateStore
from adapters.memory.store import InMemoryTableStore

__all__ = [
    "InMemoryCatalog",
    "InMemoryEngine",
    "InMemoryGate",
    "InMemoryLandingSource",
    "InMemoryMaintenance",
    "InMemoryReportStore",
    "InMemoryStateStore",
    "InMemoryTableStore",
    "LocalFileLanding",
    "Rows",
]
