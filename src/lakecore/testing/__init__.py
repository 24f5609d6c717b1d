"""A kit for pipeline authors: hypothesis strategies built from your definitions, contract
suites for your own adapters, and the content of a lake to compare runs.

Needs the ``testing`` extra (hypothesis and pytest). Fixtures for a local Spark + Delta lake
are a pytest plugin in the Spark adapter: ``-p adapters.spark.testing``.
"""

from lakecore.testing.contracts import Content, TableStoreContract, lake_content
from lakecore.testing.strategies import bad_records, breaking, records, rows, values

__all__ = [
    "Content",
    "TableStoreContract",
    "bad_records",
    "breaking",
    "lake_content",
    "records",
    "rows",
    "values",
]
