"""``lakecore backfill snowflake --from D1 --to D2``: pull a window of days into bronze, one
commit per day, then publish silver and refresh gold as a daily run does.

A replay of the same window, or of one that overlaps what was pulled, commits nothing for
the days whose content is unchanged.
"""

from __future__ import annotations

import argparse

from entrypoints import quality
from entrypoints.containers import Container, snowflake_source
from entrypoints.daily import print_report
from entrypoints.runner import EXIT_OK, day, new_run, progress, running
from lakecore.daily import run_daily
from lakecore.errors import ConfigurationError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("system", choices=["snowflake"], help="the system to backfill from")
    parser.add_argument(
        "--from", dest="first", type=day, required=True, help="first day (YYYY-MM-DD)"
    )
    parser.add_argument("--to", dest="last", type=day, required=True, help="last day, included")


def command(args: argparse.Namespace) -> int:
    container = Container()
    pipeline = container.pipeline()
    if not any(d.source == "snowflake" and d.extraction for d in pipeline.landing):
        raise ConfigurationError(f"pipeline {pipeline.name} extracts nothing from snowflake")
    source = snowflake_source(container.settings(), container.secrets(), (args.first, args.last))
    context = new_run()
    with quality.printing_failures(), running(container, "backfill", context) as started:
        store = started.store()
        store.check_writable()
        report = run_daily(
            pipeline=pipeline,
            landing=None,
            store=store,
            engine=started.engine(),
            gate=started.gate(),
            run=context,
            progress=progress,
            sources={"snowflake": source},
        )
    print_report(report)
    return EXIT_OK
