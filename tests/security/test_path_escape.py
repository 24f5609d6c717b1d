"""A table name from input cannot address anything outside the lake root. Tables are only
ever addressed by ``TableId`` (``<layer>.<name>``, a lower-case identifier), and the Delta
store puts every table at ``<root>/<layer>/<name>``; the memory store keys tables by
``TableId`` and has no paths at all."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from adapters.delta.store import DeltaTableStore
from lakecore.errors import ConfigurationError
from lakecore.schema import Layer, TableId
from pipelines import orders as lh

ESCAPES = [
    "", ".", "silver", "silver.", ".orders", "silver..", "silver...",
    "../etc/passwd", "silver.../etc", "silver/../../x", "silver.a/../../b", "silver.a/b",
    "/etc/passwd", "silver./etc/passwd", "silver.~", "silver.~root",
    "s3://other-bucket/x", "silver.s3://other-bucket/x", "s3a://other-bucket/silver.x",
    "file:///etc/passwd", "silver.file:///etc/passwd", "silver.file:x",
    "silver.%2e%2e", "silver.%2e%2e%2fx", "silver.x%2f..%2f..",
    "silver.a\\..\\b", "silver.\\\\host\\share", "silver.C:\\x",
    "silver.x\n", "silver.x\x00", "silver. x", "silver.x ", "silver.\uff58", "silver.a.b",
    "platinum.x", "SILVER.x", " silver.x",
]  # fmt: skip
LOCAL_ROOTS = ["/srv/lake", "./lake", "lake/", "../elsewhere/lake"]
URI_ROOTS = [
    "s3://lake-bucket/lake",
    "s3://lake-bucket/lake/",
    "s3a://lake-bucket",
    "file:///srv/lake",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_an_escaping_table_name_is_refused(text: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid table"):
        TableId.parse(text)


@pytest.mark.parametrize("layer", ["..", "../..", "/", "s3://other-bucket", "", "SILVER"])
def test_a_table_id_is_refused_a_layer_that_is_not_one(layer: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid layer"):
        TableId(layer, "orders")  # type: ignore[arg-type]


def test_a_layer_given_as_text_becomes_the_layer() -> None:
    assert TableId("silver", "orders") == TableId(Layer.SILVER, "orders")  # type: ignore[arg-type]


def _store(root: str) -> DeltaTableStore:
    return DeltaTableStore(None, root)  # type: ignore[arg-type]  # location() needs no session


def assert_inside(root: str, table: TableId) -> None:
    """The location is ``<root>/<layer>/<name>`` with nothing left to resolve: no ``..``,
    no ``.``, no empty segment, the same scheme and bucket as the root."""
    location = _store(root).location(table)
    tail = (table.layer.value, table.name)
    if "://" in root:
        where, base = urlsplit(location), urlsplit(root)
        assert (where.scheme, where.netloc) == (base.scheme, base.netloc)
        path = unquote(where.path)
        assert posixpath.normpath(path) == path
        assert PurePosixPath(path).relative_to(base.path or "/").parts == tail
    else:
        assert os.path.normpath(location) == location
        assert PurePosixPath(location).relative_to(Path(root).resolve()).parts == tail


@pytest.mark.parametrize("root", LOCAL_ROOTS + URI_ROOTS)
def test_every_lakehouse_table_lives_under_the_root(root: str) -> None:
    for table in lh.TABLES:
        assert_inside(root, table.id)


candidates = st.one_of(
    st.text(),
    st.builds("{}.{}".format, st.sampled_from([*Layer, "..", "/", "s3:"]), st.text()),
    st.from_regex(r"(bronze|silver|gold)\.[a-z][a-z0-9_]{0,40}", fullmatch=True),
)


@given(text=candidates, root=st.sampled_from(LOCAL_ROOTS + URI_ROOTS))
@example(text="silver.orders\n", root="/srv/lake")
@example(text="silver.a/../../b", root="s3://lake-bucket/lake")
def test_whatever_is_accepted_as_a_table_resolves_under_the_root(text: str, root: str) -> None:
    try:
        table = TableId.parse(text)
    except ConfigurationError:
        return
    assert_inside(root, table)
