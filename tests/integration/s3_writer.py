"""One writer of the concurrent-writers test, in its own JVM: ``commits`` appends of one row
each (``id = writer * 1000 + i``) to the contract table of the lake at ``root`` on S3.

    python -m tests.integration.s3_writer s3://bucket/lake 1 12 [DELTA_LOG_STORE_CLASS]
"""

from __future__ import annotations

import os
import sys

from adapters.delta.store import DeltaTableStore
from adapters.spark.session import local_session, s3_settings
from adapters.spark.types import spark_schema
from lakecore.testing.contracts import TABLE
from tests.integration.runs import REPO


def main(root: str, writer: int, commits: int, log_store: str | None) -> None:
    extra = s3_settings(os.environ["AWS_DEFAULT_REGION"], os.environ["AWS_ENDPOINT_URL"], True)
    if log_store:  # another store than the one the jars folder brings (a control run)
        extra |= {f"spark.delta.logStore.{s}.impl": log_store for s in ("s3", "s3a")}
    session = local_session(master="local[1]", jars_dir=REPO / "build" / "jars",
                            shuffle_partitions=1, ui=False, extra=extra)  # fmt: skip
    spark = next(session)
    store = DeltaTableStore(spark, root)
    for i in range(commits):
        row = {"id": writer * 1000 + i, "v": i, "name": f"writer-{writer}"}
        store.append(TABLE, spark.createDataFrame([row], spark_schema(TABLE)))
    session.close()


if __name__ == "__main__":
    main(
        sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None
    )
