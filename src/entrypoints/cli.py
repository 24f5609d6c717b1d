"""``lakecore``: the command line the README, the DAGs and the EMR jobs share.

Exit codes: 0 success, 1 quality gate failed or terminal error, 2 usage or configuration
error, 75 transient error (a retry is safe).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from entrypoints import (
    backfill,
    daily,
    emr,
    extract,
    housekeeping,
    quality,
    register,
    restore,
    stream,
    summary,
)
from entrypoints import report as report_page
from entrypoints.containers import Container, existing_lake
from entrypoints.runner import (
    EXIT_OK,
    day,
    guarded,
    local_path,
    logged,
    new_run,
    progress,
    running,
)
from entrypoints.settings import Settings
from lakecore.errors import ConfigurationError
from lakecore.schema import TableId
from pipelines.orders.generate import GenerateOptions, Manifest, generate

DEMO_MARKER = ".lakecore-demo"


def _ratio(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _today() -> date:
    return datetime.now(UTC).date()


def _add_generate_options(parser: argparse.ArgumentParser, rows: int) -> None:
    parser.add_argument(
        "--rows", type=_positive, default=rows, help=f"order records (default {rows:,})"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--dirty", type=_ratio, default=0.02, help="share of defective records (default 0.02)"
    )
    parser.add_argument(
        "--date", type=day, default=None, help="business date (default: today, UTC)"
    )


def cmd_generate(args: argparse.Namespace) -> int:
    container = Container()
    settings = container.settings()
    with logged(container, "generate"):
        if args.to_kafka:  # the broker answers and has the topic, or nothing is generated
            stream.check_topic(settings)
        manifest = _generate(args.out, args)
        if args.to_kafka:
            manifest = stream.send_generated(settings, args.out, manifest)
    _print_manifest(manifest, args.out)
    return EXIT_OK


def _generate(out: Path, args: argparse.Namespace) -> Manifest:
    options = GenerateOptions(
        out=out,
        rows=args.rows,
        seed=args.seed,
        dirty=args.dirty,
        business_date=args.date or _today(),
    )
    try:
        return generate(
            options, progress=lambda message: progress("generate.progress", detail=message)
        )
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc


def _print_manifest(manifest: Manifest, out: Path) -> None:
    print(f"wrote {len(manifest.files)} files to {out} for {manifest.business_date}")
    for name, count in manifest.counts.items():
        print(f"  {name:<16} {count:>10,} records")
    for kind, count in sorted(manifest.defects.items()):
        print(f"  defect {kind:<36} {count:>7,}")


def cmd_run_daily(args: argparse.Namespace) -> int:
    return daily.command(args)


def cmd_demo(args: argparse.Namespace) -> int:
    workdir: Path = args.workdir
    _reset_demo_dir(workdir)
    landing, lake = workdir / "landing", workdir / "lake"
    business_date = args.date or _today()
    args.date = business_date
    _generate(landing, args)
    container = Container()
    container.settings.override(Settings(lake_root=str(lake)))
    context = new_run(business_date)
    with running(container, "demo", context) as c, quality.printing_failures():
        report = daily.execute(c, landing, context)
        progress("demo.summarising")
        store, engine = c.store(), c.engine()
        text = summary.render(
            summary.table_counts(store, engine, c.pipeline().tables),
            summary.quarantine_reasons(store, engine),
            summary.sample_query(c.spark(), store),
        )
        page = report_page.write(c)
    daily.print_report(report)
    print(text)
    print(f"\nThe lake is in {lake}; run it again with: lakecore run daily --landing {landing}")
    print(f"Quality page (open it in a browser): {page}")
    return EXIT_OK


def _reset_demo_dir(workdir: Path) -> None:
    if workdir.exists():
        if not (workdir / DEMO_MARKER).exists():
            raise ConfigurationError(
                f"{workdir} exists and is not a lakecore demo folder; pick another --workdir"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / DEMO_MARKER).write_text("made by `lakecore demo`; deleted by the next one\n")


def cmd_show(args: argparse.Namespace) -> int:
    container = Container()
    spec = container.pipeline().table(TableId.parse(args.table))
    existing_lake(container.settings())
    with running(container, "show") as c:
        frame = c.store().read(spec, version=args.version)
        frame.show(args.limit, truncate=False)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakecore", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = commands.add_parser("generate", help="write realistic landing data (deterministic)")
    gen.add_argument("--out", type=local_path, required=True, help="landing folder to write")
    _add_generate_options(gen, rows=10_000)
    gen.add_argument(
        "--to-kafka",
        action="store_true",
        help="send the order events to the Kafka topic (LAKECORE_KAFKA_BOOTSTRAP_SERVERS) "
        "instead of writing them as landing files",
    )
    gen.set_defaults(handler=cmd_generate)

    run = commands.add_parser("run", help="run a job")
    jobs = run.add_subparsers(dest="job", required=True, metavar="JOB")
    run_daily = jobs.add_parser("daily", help="landing -> bronze -> silver -> gold for one day")
    daily.add_arguments(run_daily)
    run_daily.set_defaults(handler=cmd_run_daily)

    pulling = commands.add_parser("extract", help="pull a system's objects into bronze")
    extract.add_arguments(pulling)
    pulling.set_defaults(handler=extract.command)

    back = commands.add_parser("backfill", help="pull a window of days from a system")
    backfill.add_arguments(back)
    back.set_defaults(handler=backfill.command)

    streaming = commands.add_parser(
        "stream", help="run a pipeline's stream (Kafka -> bronze, silver, dead letters)"
    )
    stream.add_arguments(streaming)
    streaming.set_defaults(handler=stream.command)

    registering = commands.add_parser(
        "register", help="register the lake's tables in the Glue Data Catalog (for Athena)"
    )
    register.add_arguments(registering)
    registering.set_defaults(handler=register.command)

    reporting = commands.add_parser(
        "report", help="write the quality history page (one self-contained HTML file)"
    )
    report_page.add_arguments(reporting)
    reporting.set_defaults(handler=report_page.command)

    keeping = commands.add_parser(
        "housekeeping", help="compact (OPTIMIZE, Z-ORDER) and VACUUM the tables; logged"
    )
    housekeeping.add_arguments(keeping)
    keeping.set_defaults(handler=housekeeping.command)

    rolling = commands.add_parser(
        "restore", help="roll a table back to an earlier version (Delta RESTORE)"
    )
    restore.add_arguments(rolling)
    rolling.set_defaults(handler=restore.command)

    packaging = commands.add_parser(
        "package", help="build the artifacts of EMR Serverless job runs (wheel, environment, jobs)"
    )
    emr.add_package_arguments(packaging)
    packaging.set_defaults(handler=emr.package_command)

    submitting = commands.add_parser(
        "submit",
        help="run a job on EMR Serverless: upload the artifacts, start the run, wait for it",
        usage="lakecore submit [options] JOB [JOB ARGUMENTS ...]",
    )
    emr.add_submit_arguments(submitting)
    submitting.set_defaults(handler=emr.submit_command)

    demo = commands.add_parser(
        "demo", help="generate data, run the daily pipeline, show the result"
    )
    demo.add_argument(
        "--workdir",
        type=local_path,
        default=Path("demo"),
        help="folder for landing and lake (default ./demo)",
    )
    _add_generate_options(demo, rows=20_000)
    demo.set_defaults(handler=cmd_demo)

    dq = commands.add_parser("dq", help="judge a table against its quality suite now")
    quality.add_arguments(dq)
    dq.set_defaults(handler=quality.command)

    show = commands.add_parser("show", help="print the rows of a table")
    show.add_argument("table", help="<layer>.<name>, e.g. gold.fact_orders")
    show.add_argument("--limit", type=_positive, default=20)
    show.add_argument("--version", type=int, default=None, help="time travel to this table version")
    show.set_defaults(handler=cmd_show)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded(lambda: args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
