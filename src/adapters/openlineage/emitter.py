"""``OpenLineageSink``: a job's START and COMPLETE/FAIL run events through the
``openlineage-python`` client, to a file (JSON Lines, locally) or an HTTP endpoint (Marquez,
DataHub, ...; production).

Datasets are named as OpenLineage's naming spec has it (``file`` + path, ``s3://bucket`` +
key); a written table carries its row count and version, a judged one the gate's rules as
data-quality assertions, and the run the gate's verdict (``lakecore_quality_gate``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import attr
import structlog
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    RunFacet,
    data_quality_assertions_dataset,
    dataset_version_dataset,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset,
)
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

from lakecore.errors import first_line
from lakecore.lineage import Observed
from lakecore.ports import RunContext
from lakecore.quality import QualityReport
from lakecore.schema import TableId

PRODUCER = "https://github.com/lakecore/lakecore"
log = structlog.get_logger("lakecore.lineage")


@attr.define
class QualityGateRunFacet(RunFacet):
    """The gate's verdict on the run: ``passed`` or ``failed``, and the tables that failed."""

    verdict: str = attr.field()
    failed: list[str] = attr.field(factory=list)

    @staticmethod
    def _get_schema() -> str:
        return f"{PRODUCER}/blob/main/docs/LINEAGE.md#lakecore_quality_gate"


def client(target: str) -> OpenLineageClient:
    """A client sending to ``target``: an ``http(s)://`` URL, or a file (appended to)."""
    if urlsplit(target).scheme in ("http", "https"):
        # Two quick retries: a lineage server that is down costs a job seconds, not minutes.
        retry = {"total": 2, "connect": 2, "read": 2, "backoff_factor": 0.2,
                 "status_forcelist": [500, 502, 503, 504], "allowed_methods": ["POST"]}  # fmt: skip
        return OpenLineageClient(transport=HttpTransport(HttpConfig(url=target, retry=retry)))
    return OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=target, append=True)))


class OpenLineageSink:
    """Run events of lakecore's jobs in the ``namespace`` (the pipeline's name); a table's
    dataset is where ``location`` says it lives."""

    _JOB_TYPE: ClassVar[job_type_job.JobTypeJobFacet] = job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="LAKECORE", jobType="JOB"
    )

    def __init__(
        self, client: OpenLineageClient, namespace: str, location: Callable[[TableId], str]
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._location = location

    def started(self, job: str, run: RunContext) -> None:
        self._emit(RunState.START, job, run, facets={})

    def finished(
        self, job: str, run: RunContext, observed: Observed, error: str | None = None
    ) -> None:
        facets: dict[str, RunFacet] = {}
        if observed.verdict is not None:
            failed = sorted({str(r.table) for r in observed.reports if not r.passed})
            facets["lakecore_quality_gate"] = QualityGateRunFacet(observed.verdict, failed)
        if error is not None:
            facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=error, programmingLanguage="python"
            )
        judged = _assertions(observed.reports)
        outputs = [
            OutputDataset(
                *self._dataset(table),
                outputFacets={
                    "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                        rowCount=written.rows
                    )
                },
                facets={
                    "version": dataset_version_dataset.DatasetVersionDatasetFacet(
                        datasetVersion=str(written.version)
                    ),
                    **judged.get(table, {}),
                },
            )
            for table, written in observed.writes.items()
        ]
        read = [t for t in observed.reads if t not in observed.writes]
        read += [t for t in judged if t not in observed.reads and t not in observed.writes]
        inputs = [InputDataset(*self._dataset(t), facets=judged.get(t, {})) for t in read]
        state = RunState.COMPLETE if error is None else RunState.FAIL
        self._emit(state, job, run, facets=facets, inputs=inputs, outputs=outputs)

    def _dataset(self, table: TableId) -> tuple[str, str]:
        where = urlsplit(self._location(table))
        if where.scheme in ("s3", "s3a"):
            return f"s3://{where.netloc}", where.path.lstrip("/")
        return "file", where.path

    def _emit(self, state: RunState, job: str, run: RunContext, **parts: Any) -> None:
        event = RunEvent(
            eventType=state,
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=run_uuid(run.run_id), facets=parts.pop("facets")),
            job=Job(namespace=self._namespace, name=job, facets={"jobType": self._JOB_TYPE}),
            producer=PRODUCER,
            **parts,
        )
        try:
            self._client.emit(event)
        except Exception as exc:  # lineage never fails the job it describes
            log.warning("lineage.not_sent", state=state.value, error=first_line(exc))


def run_uuid(run_id: str) -> str:
    """OpenLineage wants a UUID: the same one for every event of a lakecore run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lakecore:{run_id}"))


def _assertions(reports: list[QualityReport]) -> dict[TableId, dict[str, Any]]:
    """Each judged table's latest rules, as OpenLineage data-quality assertions."""
    latest = {report.table: report for report in reports}
    return {
        table: {
            "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                assertions=[
                    data_quality_assertions_dataset.Assertion(
                        assertion=result.rule,
                        success=result.passed,
                        severity=result.severity.value,
                        actual=result.observed or str(result.unexpected),
                    )
                    for result in report.results
                ]
            )
        }
        for table, report in latest.items()
    }
