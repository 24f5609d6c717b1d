"""Scheduled flows as data: which lakecore jobs run, in which order, on which schedule.

Orchestrators are built from a ``Flow`` (``adapters.airflow`` makes an Airflow DAG of each,
running the jobs as ``lakecore`` commands locally or as EMR Serverless job runs), so the
schedules and task names are written once. A definition is checked whole when it is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from lakecore.errors import ConfigurationError
from lakecore.pipeline import Pipeline

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: the placeholders a step's arguments may hold, filled in by the orchestrator per run
PLACEHOLDERS = frozenset({"date", "landing"})
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class Step:
    """One task: ``lakecore``'s job ``job`` (a key of ``entrypoints.jobs.JOBS``) with
    ``arguments``, once the steps named in ``after`` have succeeded.

    ``{date}`` in an argument is the run's logical date (YYYY-MM-DD), ``{landing}`` the
    landing root. A step with ``needs`` runs only where that system is configured
    (``salesforce``, ``snowflake``, ``kafka``): a flow does not fail for a system a
    deployment does not use.
    """

    name: str
    job: str
    arguments: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    needs: str | None = None
    description: str = ""

    def filled(self, values: dict[str, str]) -> tuple[str, ...]:
        """The arguments with their placeholders replaced by ``values``."""
        return tuple(_PLACEHOLDER.sub(lambda m: values[m.group(1)], a) for a in self.arguments)


@dataclass(frozen=True, slots=True)
class Flow:
    """A named schedule (five-field cron, UTC) of steps.

    Raises ``ConfigurationError`` for a bad name, two steps of one name, a step running
    after one the flow does not have (or after itself, or in a cycle), or an unknown
    placeholder.
    """

    name: str
    schedule: str
    steps: tuple[Step, ...]
    description: str = ""

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        bad = [n for n in (self.name, *names) if not _NAME.match(n)]
        if bad:
            raise ConfigurationError(f"flow {self.name}: invalid names {bad}: use [a-z0-9_]")
        if len(set(names)) != len(names):
            raise ConfigurationError(f"flow {self.name}: two steps share a name")
        if len(self.schedule.split()) != 5:
            raise ConfigurationError(
                f"flow {self.name}: schedule {self.schedule!r} is not a five-field cron"
            )
        for step in self.steps:
            unknown = {m for a in step.arguments for m in _PLACEHOLDER.findall(a)} - PLACEHOLDERS
            if unknown:
                raise ConfigurationError(
                    f"flow {self.name}: step {step.name} has unknown placeholders {sorted(unknown)}"
                )
        self.order()

    def order(self) -> tuple[Step, ...]:
        """The steps, each after those it waits for."""
        by_name = {s.name: s for s in self.steps}
        placed: dict[str, Step] = {}
        while len(placed) < len(self.steps):
            ready = [
                s for s in self.steps
                if s.name not in placed and all(a in placed for a in s.after)
            ]  # fmt: skip
            if not ready:
                stuck = sorted(
                    f"{s.name} after {a}"
                    for s in self.steps if s.name not in placed
                    for a in s.after if a not in by_name or a not in placed
                )  # fmt: skip
                raise ConfigurationError(
                    f"flow {self.name}: steps wait for what never runs: {', '.join(stuck)}"
                )
            placed.update((s.name, s) for s in ready)
        return tuple(placed.values())

    def for_systems(self, configured: frozenset[str]) -> Flow:
        """The flow without the steps whose system is not ``configured``; those waiting
        for a dropped step wait for what it waited for."""
        dropped = {s.name: s.after for s in self.steps if s.needs and s.needs not in configured}

        def upstream(name: str) -> tuple[str, ...]:
            if name not in dropped:
                return (name,)
            return tuple(u for a in dropped[name] for u in upstream(a))

        steps = tuple(
            replace(s, after=tuple(dict.fromkeys(u for a in s.after for u in upstream(a))))
            for s in self.steps
            if s.name not in dropped
        )
        return Flow(self.name, self.schedule, steps, self.description)


#: 02:00 UTC: the day before is complete in every source
DAILY = "0 2 * * *"
#: 06:00 UTC: after the daily batch, with time for its retries
CATALOG = "0 6 * * *"
#: Sundays 04:00 UTC: the quietest hour of the week
WEEKLY = "0 4 * * 0"


def standard_flows(pipeline: Pipeline) -> tuple[Flow, Flow, Flow]:
    """``daily_batch``, ``catalog_and_dq`` and ``weekly_housekeeping`` of ``pipeline``.

    ``daily_batch``: every system the pipeline pulls from, the landing files and a catch-up
    of every stream, side by side into bronze; then silver, then gold (each judged by the
    quality gate before it is published: a critical failure fails the step and publishes
    nothing), then the Glue registration. ``catalog_and_dq``: the registration, then every
    table with a suite judged as it is (a critical failure fails the flow).
    """
    systems = dict.fromkeys(d.source for d in pipeline.landing if d.extraction is not None)
    sources = (
        *(Step(f"extract_{s}", "extract", (s,), needs=s,
               description=f"pull what changed in {s} into bronze") for s in systems),
        Step("ingest_landing", "daily",
             ("--stage", "landing", "--landing", "{landing}", "--date", "{date}"),
             description="the landing files not yet ingested, into bronze"),
        *(Step(f"stream_{s.name}", "stream", (s.name, "--available-now"), needs="kafka",
               description=f"catch up with the {s.topic} topic and stop") for s in pipeline.streams),
    )  # fmt: skip
    daily = Flow(
        "daily_batch",
        DAILY,
        (
            *sources,
            Step(
                "silver",
                "daily",
                ("--stage", "silver", "--date", "{date}"),
                after=tuple(s.name for s in sources),
                description="bronze's new rows, judged, merged into silver",
            ),
            Step(
                "gold",
                "daily",
                ("--stage", "gold", "--date", "{date}"),
                after=("silver",),
                description="gold rebuilt from silver's new versions, judged, published",
            ),
            Step(
                "register",
                "register",
                after=("gold",),
                description="silver and gold in the Glue Data Catalog",
            ),
        ),
        f"{pipeline.name}: sources -> bronze -> silver -> gold -> Glue",
    )
    catalog = Flow(
        "catalog_and_dq",
        CATALOG,
        (
            Step("register", "register", description="silver and gold in the Glue Data Catalog"),
            Step(
                "quality_gate",
                "dq",
                after=("register",),
                description="every table with a suite judged; a critical failure fails here",
            ),
        ),
        f"{pipeline.name}: the catalog, then the quality gate as a hard gate",
    )
    weekly = Flow(
        "weekly_housekeeping",
        WEEKLY,
        (Step("housekeeping", "housekeeping", description="OPTIMIZE, Z-ORDER and VACUUM"),),
        f"{pipeline.name}: compact and clean every table",
    )
    return daily, catalog, weekly
