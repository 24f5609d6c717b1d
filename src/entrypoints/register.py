"""``lakecore register``: the lake's Delta tables into the Glue Data Catalog, for Athena.

One Glue database per layer, named by ``LAKECORE_AWS_GLUE_DATABASES`` (the names Terraform
creates and the DAGs use). Registering again changes only what changed in the lake.
"""

from __future__ import annotations

import argparse

from adapters.delta.catalog import lake_tables
from entrypoints.containers import Container
from entrypoints.runner import EXIT_OK, running
from entrypoints.settings import Settings
from lakecore.catalog import Registration, register
from lakecore.errors import ConfigurationError
from lakecore.schema import Layer

LAYERS = (Layer.BRONZE, Layer.SILVER, Layer.GOLD)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        action="append",
        choices=[layer.value for layer in LAYERS],
        help="the layer whose database to register (repeatable; default: silver and gold)",
    )


def database(settings: Settings, layer: Layer) -> str:
    """The Glue database of ``layer``: the one of ``LAKECORE_AWS_GLUE_DATABASES`` named
    ``<anything>_<layer>``."""
    named = [d for d in settings.aws.glue_databases if d.endswith(f"_{layer.value}")]
    if len(named) != 1:
        raise ConfigurationError(
            f"LAKECORE_AWS_GLUE_DATABASES needs exactly one database ending in _{layer.value}, "
            f"has {named or 'none'}"
        )
    return named[0]


def command(args: argparse.Namespace) -> int:
    container = Container()
    settings = container.settings()
    layers = [Layer(name) for name in dict.fromkeys(args.db or ("silver", "gold"))]
    names = {layer: database(settings, layer) for layer in layers}
    pipeline = container.pipeline()
    descriptions = {t.id: t.description for t in pipeline.tables}
    with running(container, "register") as started:
        spark, catalog = started.spark(), started.catalog()
        for layer in layers:
            found = lake_tables(spark, settings.lake_root, layer, names[layer], descriptions)
            done = register(catalog, names[layer], found, f"lakecore {layer.value} tables")
            print(render(done))
    return EXIT_OK


def render(done: Registration) -> str:
    lines = [f"{done.database}{' (created)' if done.created_database else ''}:"]
    for label, names in (("created", done.created), ("updated", done.updated),
                         ("unchanged", done.unchanged)):  # fmt: skip
        if names:
            lines.append(f"  {label:<10} {', '.join(names)}")
    if done.missing:
        lines.append(f"  NOT IN THE LAKE (left registered): {', '.join(done.missing)}")
    if len(lines) == 1:
        lines.append("  no tables in the lake for this layer")
    return "\n".join(lines)
