"""What a job run read, wrote and judged, gathered while it runs, for lineage events.

The table store records its reads and writes in an ``Observed`` (the Delta store takes one),
and ``ObservedReports`` records each quality report the gate keeps. At the end of a job the
entrypoint hands the whole to a ``LineageSink`` (OpenLineage in ``adapters.openlineage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from lakecore.ports import ReportStore, RunContext, WriteResult
from lakecore.quality import QualityReport
from lakecore.schema import TableId


@dataclass(frozen=True, slots=True)
class Written:
    """A table's writes in one run: rows over all its commits, the last version."""

    rows: int
    version: int


@dataclass(slots=True)
class Observed:
    """The tables a run read and wrote, and the quality reports it kept, in order."""

    reads: dict[TableId, None] = field(default_factory=dict)
    writes: dict[TableId, Written] = field(default_factory=dict)
    reports: list[QualityReport] = field(default_factory=list)

    def read(self, table: TableId) -> None:
        self.reads.setdefault(table, None)

    def wrote(self, result: WriteResult) -> None:
        """A commit of ``result.table`` (a write that committed nothing is not one)."""
        if result.version is None:
            return
        before = self.writes.get(result.table, Written(0, result.version))
        self.writes[result.table] = Written(before.rows + result.rows_written, result.version)

    def judged(self, report: QualityReport) -> None:
        self.reports.append(report)

    @property
    def verdict(self) -> str | None:
        """``passed``, ``failed`` (a critical rule failed), or None: nothing was judged."""
        if not self.reports:
            return None
        return "passed" if all(r.passed for r in self.reports) else "failed"


class ObservedReports:
    """A ``ReportStore`` that records each report in ``observed`` before ``inner`` keeps it."""

    def __init__(self, inner: ReportStore, observed: Observed) -> None:
        self._inner = inner
        self._observed = observed

    def save(self, report: QualityReport) -> str:
        self._observed.judged(report)
        return self._inner.save(report)


class LineageSink(Protocol):
    """Where a job's run events go. Raises nothing a job should fail for: a sink that
    cannot deliver says so in the log."""

    def started(self, job: str, run: RunContext) -> None: ...

    def finished(
        self, job: str, run: RunContext, observed: Observed, error: str | None = None
    ) -> None: ...


class NoLineage:
    """Emits nothing: lineage is not configured."""

    def started(self, job: str, run: RunContext) -> None:
        return None

    def finished(
        self, job: str, run: RunContext, observed: Observed, error: str | None = None
    ) -> None:
        return None
