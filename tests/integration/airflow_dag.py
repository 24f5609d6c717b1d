"""``python -m tests.integration.airflow_dag describe | test DAG_ID DAY``: what Airflow makes
of ``infra/airflow/dags`` (``AIRFLOW__CORE__DAGS_FOLDER``), as one JSON line on stdout.

A process of its own: Airflow reads its home and settings once, on import.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from airflow.dag_processing.dagbag import DagBag


def describe(bag: DagBag) -> dict[str, Any]:
    return {
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "dags": {
            dag_id: {
                "schedule": str(dag.schedule),
                "catchup": dag.catchup,
                "tasks": {
                    task.task_id: {
                        "upstream": sorted(task.upstream_task_ids),
                        "operator": type(task).__name__,
                        "arguments": getattr(task, "arguments", None),
                    }
                    for task in dag.topological_sort()
                },
                "order": [task.task_id for task in dag.topological_sort()],
            }
            for dag_id, dag in sorted(bag.dags.items())
        },
    }


def test(bag: DagBag, dag_id: str, day: str) -> dict[str, Any]:
    logical = datetime.fromisoformat(day).replace(tzinfo=UTC)
    run = bag.get_dag(dag_id).test(logical_date=logical)
    return {
        "state": str(run.state),
        "tasks": {t.task_id: str(t.state) for t in run.get_task_instances()},
    }


def main(argv: list[str]) -> int:
    bag = DagBag()
    result = describe(bag) if argv[0] == "describe" else test(bag, argv[1], argv[2])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
