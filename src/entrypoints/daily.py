"""The daily batch job: ``lakecore run daily`` locally, this module's ``main`` on EMR."""

from __future__ import annotations

import argparse
from collections.abc import Collection
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import structlog

from adapters.files.landing import S3_SCHEMES, LandingFolder, LocalFolder
from entrypoints import quality, report
from entrypoints.containers import Container, aws_client, spark_profile
from entrypoints.runner import EXIT_OK, guarded, location, new_run, progress, running
from entrypoints.settings import Settings
from lakecore.daily import DailyReport, Stage, run_daily
from lakecore.errors import ConfigurationError, SourceNotFound
from lakecore.extract import SourceIntake
from lakecore.pipeline import Pipeline
from lakecore.ports import RunContext

log = structlog.get_logger("lakecore")


def run(
    container: Container,
    landing: str | Path | None,
    proc_date: date | None = None,
    stages: Collection[Stage] = tuple(Stage),
    *,
    rebuild_gold: bool = False,
    page: bool = False,
) -> DailyReport:
    """Start the container, run one day (or the ``stages`` named), shut down. With ``page``,
    the quality page is written after the run, whether it passed or not."""
    landing = landing if landing is not None else container.settings().landing
    folder = None
    if Stage.LANDING in stages:
        if landing is None:
            raise ConfigurationError("say where landing files are: --landing or LAKECORE_LANDING")
        folder = landing_folder(container.settings(), landing)
        choose_profile(container, folder)
    pipeline = container.pipeline()  # a definition that does not hold fails here, before Spark
    if isinstance(folder, Path):
        warn_foreign_landing(folder, pipeline)
    context = new_run(proc_date)
    with running(container, "daily", context) as started:
        try:
            return execute(started, folder, context, stages, rebuild_gold=rebuild_gold)
        finally:
            if page:
                write_page(started)


def write_page(container: Container) -> None:
    """The quality page after a run (``lakecore report``); a page that cannot be written is a
    warning: the run's tables are what counts, and its own error must not be hidden."""
    try:
        print(f"quality page: {report.write(container)}")
    except Exception as exc:  # any failure of the page is only reported
        log.warning("report.not_written", error=container.secret_values().mask_text(str(exc)))


def landing_folder(settings: Settings, landing: str | Path) -> Path | LandingFolder:
    """A local landing folder (which must exist), or an ``s3://`` prefix."""
    if urlsplit(str(landing)).scheme in S3_SCHEMES:
        from adapters.files.s3 import S3Folder  # boto3: the aws extra

        folder = S3Folder(aws_client(settings, "s3"), str(landing))
        folder.check()
        return folder
    if not Path(landing).is_dir():
        raise SourceNotFound(f"landing folder {landing} does not exist")
    return Path(landing)


def warn_foreign_landing(folder: Path, pipeline: Pipeline) -> None:
    """A landing folder holding none of the pipeline's dataset folders is most likely the
    wrong one (a parent, a day's subfolder): said, not refused, as files may just not have
    come yet."""
    expected = [dataset.folder for dataset in pipeline.landing]
    if expected and not any((folder / name).is_dir() for name in expected):
        log.warning("landing.no_dataset_folders", landing=str(folder), expected=expected)


def choose_profile(container: Container, folder: Path | LandingFolder) -> None:
    """Settle ``LAKECORE_SPARK_PROFILE=auto`` with the landing's size counted in (the whole
    folder: every day in it)."""
    settings = container.settings()
    landing = (LocalFolder(folder) if isinstance(folder, Path) else folder).total_bytes()
    chosen = spark_profile(settings, landing)
    container.settings.override(settings.model_copy(update={"spark_profile": chosen}))


def execute(
    container: Container,
    landing: Path | LandingFolder | None,
    context: RunContext,
    stages: Collection[Stage] = tuple(Stage),
    *,
    rebuild_gold: bool = False,
) -> DailyReport:
    """Run one day on an already started container (without ``landing``: no landing files)."""
    if isinstance(landing, Path) and not landing.is_dir():
        raise SourceNotFound(f"landing folder {landing} does not exist")
    store = container.store()
    store.check_writable()
    return run_daily(
        pipeline=container.pipeline(),
        landing=None if landing is None else container.landing(root=landing),
        store=store,
        engine=container.engine(),
        gate=container.gate(),
        run=context,
        progress=progress,
        sources=container.sources() if Stage.PULL in stages else {},
        stages=stages,
        rebuild_gold=rebuild_gold,
    )


def print_report(report: DailyReport) -> None:
    print(
        f"run {report.run.run_id} (batch {report.run.batch}) for {report.run.proc_date}:",
        "changes" if report.changed else "nothing new",
    )
    for intake in report.files:
        print(
            f"  {intake.table!s:<32} files: {intake.new} new, {intake.redelivered} delivered"
            f" again with other content, {intake.skipped} skipped (already ingested)"
        )
    for pulled in report.sources:
        print(f"  {intake_line(pulled)}")
    for write in report.writes:
        if write.version is None:
            continue
        print(
            f"  {write.table!s:<32} v{write.version:<4} written={write.rows_written:,}"
            f" inserted={write.rows_inserted:,} updated={write.rows_updated:,}"
            + (f"  ({write.note})" if write.note else "")
        )
    if report.quality:
        print(quality.render(report.quality, samples=False))


def intake_line(intake: SourceIntake) -> str:
    return (
        f"{intake.table!s:<32} extracted: {intake.extracted:,} records, {intake.repeated:,}"
        f" already in bronze, {intake.appended:,} appended in {len(intake.writes)} commits"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--landing",
        type=location,
        help="landing folder to ingest (a path or s3://bucket/prefix; default LAKECORE_LANDING)",
    )
    parser.add_argument(
        "--date", type=date.fromisoformat, help="processing date (default: today, UTC)"
    )
    parser.add_argument(
        "--stage",
        action="append",
        dest="stages",
        type=Stage,
        choices=list(Stage),
        help="only this part (repeatable; default all, in order: pull, landing, silver, gold)",
    )
    parser.add_argument(
        "--pipeline",
        metavar="MODULE:ATTRIBUTE",
        help="the lakecore.Pipeline to run (default: LAKECORE_PIPELINE, the orders lakehouse)",
    )
    parser.add_argument(
        "--rebuild-gold",
        action="store_true",
        help="rebuild gold from all of silver, not from silver's changes (when it moved)",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="write the quality page (lakecore report) after the run, passed or failed",
    )
    parser.add_argument(
        "--master",
        metavar="URL",
        help="the Spark master to run on, e.g. spark://host:7077 for a standalone cluster "
        "(default: LAKECORE_SPARK_MASTER, local[2])",
    )


def command(args: argparse.Namespace) -> int:
    container = Container()
    given = {"pipeline": args.pipeline, "spark_master": args.master}
    if changed := {name: value for name, value in given.items() if value}:
        container.settings.override(Settings().model_copy(update=changed))
    with quality.printing_failures():
        done = run(container, args.landing, args.date, args.stages or tuple(Stage),
                   rebuild_gold=args.rebuild_gold, page=args.report)  # fmt: skip
    print_report(done)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lakecore-daily", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    return guarded(lambda: command(args))


if __name__ == "__main__":
    raise SystemExit(main())
