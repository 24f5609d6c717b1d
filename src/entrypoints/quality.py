"""``lakecore dq``: judge one table now; and how quality reports are printed everywhere."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from entrypoints.containers import Container, existing_lake, local_lake
from entrypoints.runner import EXIT_OK, new_run, progress, running
from entrypoints.settings import GateExecutor, Settings
from lakecore.errors import ConfigurationError, TableNotFound
from lakecore.gate import GateFailed, check_stored, enforce
from lakecore.pipeline import Pipeline
from lakecore.quality import QualityReport
from lakecore.schema import TableId, TableSpec


def render(reports: Sequence[QualityReport], *, samples: bool = True) -> str:
    """A line per table; under it every failed rule (critical first) with counts and samples."""
    lines = ["", "Quality gate"]
    for report in reports:
        verdict = "passed" if report.passed else "FAILED"
        lines.append(
            f"  {verdict:<7} {report.table!s:<28} {len(report.results):>3} rules  "
            f"{report.rows:>10,} rows  [{report.executor}]"
        )
        for result in (*report.failures, *report.warnings):
            what = result.observed or f"{result.unexpected:,} rows"
            lines.append(f"      {result.severity:<8} {result.rule}: {what}")
            if samples:
                lines += [f"               e.g. {_row(row)}" for row in result.samples[:3]]
    return "\n".join(lines)


def _row(row: object) -> str:
    text = str(row)
    return text if len(text) <= 160 else text[:157] + "..."


@contextmanager
def printing_failures() -> Iterator[None]:
    """On a gate failure, print what failed (stdout) before the one-line error and exit 1."""
    try:
        yield
    except GateFailed as failed:
        print(render(failed.reports))
        raise


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--table",
        action="append",
        dest="tables",
        help="<layer>.<name>, e.g. silver.orders (repeatable; default: every table with a suite "
        "that holds data)",
    )
    parser.add_argument(
        "--executor",
        choices=[GateExecutor.NATIVE.value, GateExecutor.GX.value],
        default=None,
        help="how to evaluate the rules (default: LAKECORE_GATE_EXECUTOR, native)",
    )
    parser.add_argument(
        "--docs", action="store_true", help="with gx: also build HTML Data Docs under the lake"
    )


def command(args: argparse.Namespace) -> int:
    settings = Settings()
    changes: dict[str, object] = {}
    if args.executor:
        changes["gate_executor"] = GateExecutor(args.executor)
    if args.docs:
        if (args.executor or settings.gate_executor) != GateExecutor.GX:
            raise ConfigurationError("--docs needs the gx executor: add --executor gx")
        changes["gx_docs_dir"] = _docs_dir(settings)
    container = Container()
    container.settings.override(settings.model_copy(update=changes))
    pipeline = container.pipeline()
    named = [_table(text, pipeline) for text in args.tables or ()]
    existing_lake(settings)
    reports = evaluate(container, named or [pipeline.table(t) for t in pipeline.suites],
                       every=not named)  # fmt: skip
    print(render(reports))
    quality = Path(settings.lake_root) / "gold" / "quality"
    print(f"\nReports: {quality / str(reports[0].table) if len(reports) == 1 else quality}")
    docs = getattr(container.quality_executor(), "last_docs_index", None)
    if docs is not None:
        print(f"Data Docs: {docs}")
    enforce(reports)
    return EXIT_OK


def docs_folder(lake: Path) -> Path:
    """Where a local lake's Data Docs are built (``dq --docs``), beside its reports."""
    return lake / "gold" / "quality" / "_data_docs"


def _docs_dir(settings: Settings) -> Path:
    """Where ``--docs`` builds Data Docs: beside the reports of a local lake; for a lake on
    S3, in ``LAKECORE_GX_DOCS_DIR`` (a local folder)."""
    lake = local_lake(settings)
    if lake is not None:
        return docs_folder(lake)
    if settings.gx_docs_dir is None:
        raise ConfigurationError(
            "--docs with a lake on S3 needs LAKECORE_GX_DOCS_DIR, a local folder"
        )
    return settings.gx_docs_dir


def evaluate(
    container: Container, tables: Sequence[TableSpec], *, every: bool = False
) -> list[QualityReport]:
    """Judge ``tables`` as they are stored. A table without data is an error, unless
    ``every`` table with a suite was asked for: then it is skipped (and said so)."""
    context = new_run()
    reports = []
    with running(container, "dq", context) as c:
        store, engine, gate, specs = c.store(), c.engine(), c.gate(), c.pipeline().tables_by_id
        gate.validate(specs)
        for table in tables:
            if not store.exists(table.id):
                if every:
                    progress("quality.skipped", table=str(table.id), reason="no data yet")
                    continue
                raise TableNotFound(f"{table.id} has no data yet: run the daily pipeline first")
            reports.append(check_stored(
                table, store=store, engine=engine, gate=gate, run=context, tables=specs,
                progress=progress,
            ))  # fmt: skip
    if not reports:
        raise TableNotFound("no table with a quality suite has data yet: run the daily pipeline")
    return reports


def _table(text: str, pipeline: Pipeline) -> TableSpec:
    table_id = TableId.parse(text)
    if table_id not in pipeline.suites:
        known = ", ".join(str(t) for t in pipeline.suites)
        raise ConfigurationError(f"no quality suite for {text!r}; tables with suites: {known}")
    return pipeline.table(table_id)
