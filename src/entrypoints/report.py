"""``lakecore report``: the quality history page (``lakecore.quality_page``) from the JSON
reports of every gate evaluation and the quarantine table, written beside the reports
(``<lake>/gold/quality/index.html``, a local file or an S3 object) or to ``--out``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from entrypoints.containers import Container, existing_lake, local_lake
from entrypoints.quality import docs_folder
from entrypoints.runner import EXIT_OK, local_path, running
from lakecore.errors import ConfigurationError
from lakecore.quality_page import quarantine_counts, render

PAGE = "index.html"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=local_path,
        metavar="PATH",
        help=f"write the page here (default: {PAGE} beside the reports, <lake>/gold/quality/)",
    )


def command(args: argparse.Namespace) -> int:
    container = Container()
    if args.out is not None and args.out.is_dir():
        raise ConfigurationError(f"--out {args.out} is a folder; name the page's file")
    existing_lake(container.settings())
    with running(container, "report") as started:
        print(f"quality page: {write(started, args.out)}")
    return EXIT_OK


def write(container: Container, out: Path | None = None) -> str:
    """Build the page on a started container and write it; where it went."""
    settings = container.settings()
    files = container.report_files()
    kept = files.kept()
    quarantine = quarantine_counts(
        container.store(), container.engine(), container.pipeline().quarantine
    )
    page = render(
        kept.reports,
        quarantine,
        lake=settings.lake_root,
        generated_at=datetime.now(UTC).replace(tzinfo=None),
        data_docs=_data_docs(container, out),
        unreadable=kept.unreadable,
    )
    if out is None:
        return files.publish(PAGE, page)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot write {out}: {exc.strerror or exc}") from None
    return str(out)


def _data_docs(container: Container, out: Path | None) -> str | None:
    """A link to the Data Docs of a local lake, when they were built: relative from the
    page's default place, absolute from anywhere else."""
    lake = local_lake(container.settings())
    if lake is None:
        return None
    index = docs_folder(lake) / "index.html"
    if not index.is_file():
        return None
    page = lake / "gold" / "quality" / PAGE
    return index.relative_to(page.parent).as_posix() if out is None else index.resolve().as_uri()
