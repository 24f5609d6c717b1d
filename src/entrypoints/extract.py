"""``lakecore extract <system>``: pull a system's objects into bronze, and nothing else.

The next ``lakecore run daily`` publishes what was pulled; a daily run with the system
configured pulls by itself, so this command is for a first load or an extra pull.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from entrypoints.containers import Container
from entrypoints.daily import intake_line
from entrypoints.runner import EXIT_OK, new_run, progress, running
from entrypoints.settings import switch
from lakecore.daily import next_batch
from lakecore.errors import ConfigurationError
from lakecore.extract import SourceIntake, pull

#: The systems ``extract`` pulls from (``kafka`` is streamed, not extracted).
SYSTEMS = ("salesforce", "snowflake")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("system", choices=SYSTEMS, help="the system to pull from")
    parser.add_argument(
        "--object",
        action="append",
        dest="objects",
        metavar="NAME",
        help="only this object (repeatable; default: every object the pipeline extracts)",
    )


def command(args: argparse.Namespace) -> int:
    container = Container()
    pipeline = container.pipeline()
    source = container.sources().get(args.system)
    if source is None:
        raise ConfigurationError(f"{args.system} is not configured: set {switch(args.system)}")
    datasets = [
        d
        for d in pipeline.landing
        if d.source == args.system and d.extraction is not None
        and (not args.objects or d.extraction.object in args.objects)
    ]  # fmt: skip
    if not datasets:
        wanted = ", ".join(args.objects or ()) or "any object"
        raise ConfigurationError(
            f"pipeline {pipeline.name} extracts {wanted} not from {args.system}"
        )
    context = new_run()
    intakes: list[SourceIntake] = []
    with running(container, "extract", context) as started:
        store, engine = started.store(), started.engine()
        store.check_writable()
        run = replace(context, batch=next_batch(pipeline, store=store, engine=engine))
        for dataset in datasets:
            intake = pull(dataset, source, pipeline=pipeline, store=store, engine=engine,
                          run=run, progress=progress)  # fmt: skip
            intakes.append(intake)
            run = replace(run, batch=run.batch + len(intake.writes))
    for intake in intakes:
        print(intake_line(intake))
    return EXIT_OK
