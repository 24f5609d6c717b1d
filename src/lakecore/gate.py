"""The quality gate as a use case: check a table, keep the report, stop on critical failure.

Silver is checked after it is merged and before gold is built; gold candidates are checked
before they are committed. A critical failure raises ``QualityGateFailed`` (exit code 1)
carrying the failing reports; warnings are reported and let the run go on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Generic

from lakecore.errors import QualityGateFailed
from lakecore.ports import (
    Engine,
    F,
    Progress,
    QualityGate,
    ReportStore,
    RunContext,
    TableStore,
)
from lakecore.quality import (
    QUARANTINE_THRESHOLD,
    SAMPLE_SIZE,
    GateContext,
    QualityReport,
    describe_failures,
    judge,
)
from lakecore.rules import RuleSuite, Unique, VolumeChange, validate_suites
from lakecore.schema import TableId, TableSpec


@dataclass(frozen=True, slots=True)
class Gate(Generic[F]):
    """How a run judges its tables: the executor, where reports go, and the thresholds."""

    executor: QualityGate[F]
    reports: ReportStore
    suites: Mapping[TableId, RuleSuite]
    quarantine_threshold: float = QUARANTINE_THRESHOLD
    sample_size: int = SAMPLE_SIZE

    def validate(self, tables: Mapping[TableId, TableSpec]) -> None:
        """Every suite names a known table and fits it: run before any data is read.

        Raises ``ConfigurationError`` naming the first suite that does not fit.
        """
        validate_suites(self.suites, tables)

    def suite(self, table: TableId) -> RuleSuite:
        """``table``'s suite; a table without one has no rules to break."""
        return self.suites.get(table) or RuleSuite(table, ())


class GateFailed(QualityGateFailed):
    """``QualityGateFailed`` with the reports that failed, for whoever prints them."""

    def __init__(self, reports: Sequence[QualityReport]) -> None:
        super().__init__(f"quality gate failed: {describe_failures(reports)}")
        self.reports = tuple(reports)


def check(
    table: TableSpec,
    frame: F,
    *,
    gate: Gate[F],
    run: RunContext,
    references: Mapping[TableId, F] | None = None,
    version: int | None = None,
    previous_rows: int | None = None,
    unique: Sequence[tuple[str, ...]] = (),
    progress: Progress,
) -> QualityReport:
    """Measure ``frame`` as ``table`` against its suite, judge it, keep the report.

    ``unique`` names key sets ``frame`` holds at most once by construction (a candidate
    de-duplicated on its merge key): a ``Unique`` rule on one of them, or on a wider set,
    passes without the executor's pass over the keys.
    """
    suite = gate.suite(table.id)
    given = [
        rule
        for rule in suite.table_rules
        if isinstance(rule, Unique) and any(set(keys) <= set(rule.columns) for keys in unique)
    ]
    measured = RuleSuite(suite.table, tuple(r for r in suite.rules if r not in given))
    found = gate.executor.measure(
        frame, measured, references or {}, gate.sample_size, run_id=run.run_id
    )
    if given:
        found = replace(found, unexpected={**found.unexpected, **{r.name: 0 for r in given}})
    context = GateContext(run.run_id, run.proc_date, version, previous_rows)
    report = judge(suite, found, context, executor=gate.executor.name, evaluated_at=_now())
    if given:
        names = {rule.name for rule in given}
        results = tuple(
            replace(result, observed=_BY_MERGE) if result.rule in names else result
            for result in report.results
        )
        report = replace(report, results=results)
    return keep(report, gate=gate, progress=progress)


#: What a report says of a ``Unique`` rule the frame holds by construction.
_BY_MERGE = "unique by construction (de-duplicated on the merge key), not measured"


def check_stored(
    table: TableSpec,
    *,
    store: TableStore[F],
    engine: Engine[F],
    gate: Gate[F],
    run: RunContext,
    tables: Mapping[TableId, TableSpec],
    progress: Progress,
    version: int | None = None,
) -> QualityReport:
    """Judge a table as stored: ``version``, or the current one, against the one before it
    (for volume rules) and the referenced tables as they are now (``tables`` has their specs)."""
    if version is None:
        version = store.version(table.id)
    previous = None
    if needs_previous_rows(gate, table.id) and version is not None:
        previous = rows_at(table, version - 1, store=store, engine=engine)
    references = {ref: store.read(tables[ref]) for ref in gate.suite(table.id).references}
    return check(table, store.read(table, version), gate=gate, run=run, references=references,
                 version=version, previous_rows=previous, progress=progress)  # fmt: skip


def each_table(
    judge_one: Callable[[TableSpec], QualityReport | None],
    tables: Sequence[TableSpec],
    *,
    gate: Gate[F],
    engine: Engine[F],
) -> list[QualityReport]:
    """Judge ``tables``, side by side when the executor allows it; reports in their order."""
    if gate.executor.concurrent:
        found = engine.each(judge_one, tables)
    else:
        found = [judge_one(table) for table in tables]
    return [report for report in found if report is not None]


def keep(report: QualityReport, *, gate: Gate[F], progress: Progress) -> QualityReport:
    where = gate.reports.save(report)
    progress(
        "quality.checked",
        table=str(report.table),
        result="passed" if report.passed else "FAILED",
        rules=len(report.results),
        failed=[r.rule for r in report.failures],
        warnings=[r.rule for r in report.warnings],
        report=where,
    )
    return report


def enforce(reports: Sequence[QualityReport]) -> None:
    """Stop the run when any report has a critical failure."""
    failed = [r for r in reports if not r.passed]
    if failed:
        raise GateFailed(failed)


def needs_previous_rows(gate: Gate[F], table: TableId) -> bool:
    suite = gate.suites.get(table)
    return suite is not None and any(isinstance(r, VolumeChange) for r in suite.rules)


def rows_at(
    table: TableSpec, version: int | None, *, store: TableStore[F], engine: Engine[F]
) -> int | None:
    """Rows in ``version`` of the table; None when there is no such version."""
    if version is None or version < 0:
        return None
    return engine.count(store.read(table, version))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
