"""Airflow operators that run lakecore jobs: as ``lakecore`` commands in a child process
(local mode), or as EMR Serverless job runs (AWS mode).

Both let a retry happen only where it can help: a local command exiting 75 (transient) is
retried, any other failure (a quality gate, a bad setting) fails the task at once. On EMR
the client token is derived from the DAG run and the task, so a retried task finds the job
run its first try started instead of starting a second one.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from adapters.emr.serverless import application_id

#: ``lakecore``'s exit code for a failure a retry may fix
TRANSIENT = 75
#: how lakecore (``lakecore: error: ...``) and its argument parser (``lakecore run daily:
#: error: ...``) say what went wrong, on the last line
_ERROR = re.compile(r"^lakecore[a-z ]*: error: (.*)$")


class LakecoreCommandOperator(BaseOperator):
    """``lakecore <arguments>`` (templated) in a child process of the worker's Python, its
    output in the task's log.

    Raises ``AirflowException`` (retried) on exit 75 and ``AirflowFailException`` (not
    retried) on any other non-zero exit, with lakecore's one-line error as the message.
    """

    template_fields: Sequence[str] = ("arguments",)
    ui_color = "#d8ecf3"

    def __init__(self, *, arguments: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arguments = list(arguments)
        self._child: subprocess.Popen[str] | None = None

    def execute(self, context: Any) -> None:
        command = [sys.executable, "-m", "entrypoints.cli", *self.arguments]
        self.log.info("running lakecore %s", " ".join(self.arguments))
        error = ""
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        ) as child:
            self._child = child
            for line in child.stdout or ():
                text = line.rstrip("\n")
                self.log.info("%s", text)
                if found := _ERROR.match(text):
                    error = found.group(1)
        code = child.returncode
        if code == 0:
            return
        message = f"lakecore {self.arguments[0]} exited {code}: {error or 'see the log'}"
        if code == TRANSIENT:
            raise AirflowException(message)
        raise AirflowFailException(message)

    def on_kill(self) -> None:
        """A task stopped by Airflow (a timeout, marked failed) stops its command: SIGTERM,
        which lakecore answers by finishing the write in flight (a stream, its batch)."""
        if self._child is not None and self._child.poll() is None:
            self._child.terminate()


def run_token(dag_id: str, task_id: str, run_id: str) -> str:
    """One client token per DAG run and task (EMR takes at most 64 characters)."""
    digest = hashlib.sha256("\0".join((dag_id, task_id, run_id)).encode()).hexdigest()[:16]
    return f"{dag_id[:22]}.{task_id[:22]}.{digest}"


class LakecoreEmrJobOperator(EmrServerlessStartJobOperator):
    """A lakecore job as an EMR Serverless job run: the application is found by its name
    when the task runs, and the client token is ``run_token`` of the DAG run and task."""

    def __init__(self, *, application_name: str, **kwargs: Any) -> None:
        super().__init__(application_id="", **kwargs)
        self.application_name = application_name

    def execute(self, context: Any, event: dict[str, Any] | None = None) -> str | None:
        if not self.application_id:
            self.application_id = application_id(self.hook.conn, self.application_name)
        self.client_request_token = run_token(self.dag_id, self.task_id, context["run_id"])
        return super().execute(context, event)
