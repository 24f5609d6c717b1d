"""Sensor readings -> daily statistics per sensor: a lakecore pipeline written only against
lakecore's public API.

Meters drop CSV files of readings (``meters/readings/``); a registry drops JSON Lines of
sensors (``registry/sensors/``). Silver keeps one reading per sensor and instant and the
latest registry entry per sensor; gold has, per sensor and day, how many readings there
were, their minimum, maximum and total, and the sensor's site.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from lakecore import (
    DATE,
    LONG,
    SILVER_LINEAGE,
    TIMESTAMP,
    Aggregate,
    Column,
    ConformSpec,
    Engine,
    FieldMap,
    Function,
    GoldOutput,
    InSet,
    JoinKind,
    Layer,
    MergeSpec,
    NotNull,
    Pattern,
    Pipeline,
    Range,
    RuleSuite,
    RunContext,
    Severity,
    TableId,
    TableSpec,
    Unique,
    decimal,
    landing_dataset,
    quarantine_table,
)

F = TypeVar("F")

VALUE = decimal(12, 3)
SENSOR_ID = r"^S-\d{4}$"

READINGS_LANDING = landing_dataset(
    "meters", "readings", "csv", ("sensor_id", "ts", "value", "unit")
)
SENSORS_LANDING = landing_dataset("registry", "sensors", "jsonl", ("sensor_id", "site", "kind"))

READINGS = TableSpec(
    TableId(Layer.SILVER, "sensor_readings"),
    columns=(
        Column("sensor_id", nullable=False),
        Column("ts", TIMESTAMP, nullable=False),
        Column("value", VALUE),
        Column("unit"),
        *SILVER_LINEAGE,
    ),
    keys=("sensor_id", "ts"),
    description="One reading per sensor and instant, in degrees Celsius.",
)
SENSORS = TableSpec(
    TableId(Layer.SILVER, "sensors"),
    columns=(Column("sensor_id", nullable=False), Column("site"), Column("kind"), *SILVER_LINEAGE),
    keys=("sensor_id",),
    description="The registry's latest entry per sensor.",
)
QUARANTINE = quarantine_table("sensor_quarantine")
DAILY = TableSpec(
    TableId(Layer.GOLD, "sensor_daily"),
    columns=(
        Column("sensor_id", nullable=False),
        Column("day", DATE, nullable=False),
        Column("site"),
        Column("readings", LONG),
        Column("min_value", VALUE),
        Column("max_value", VALUE),
        Column("total_value", decimal(22, 3)),
    ),
    keys=("sensor_id", "day"),
    description="Per sensor and UTC day: readings, their minimum, maximum and total; the site.",
)

READING_RULES = (
    NotNull("sensor_id"),
    Pattern("sensor_id", SENSOR_ID),
    NotNull("ts"),
    NotNull("value"),
    Range("value", min=-60, max=150),
    InSet("unit", ("C",)),
)
CONFORM = (
    ConformSpec(
        READINGS_LANDING.bronze.id,
        READINGS,
        fields=(
            FieldMap("sensor_id", "sensor_id", upper=True),
            FieldMap("ts", "ts"),
            FieldMap("value", "value"),
            FieldMap("unit", "unit", upper=True),
        ),
        rules=READING_RULES,
    ),
    ConformSpec(
        SENSORS_LANDING.bronze.id,
        SENSORS,
        fields=(
            FieldMap("sensor_id", "sensor_id", upper=True),
            FieldMap("site", "site"),
            FieldMap("kind", "kind"),
        ),
        rules=(NotNull("sensor_id"), Pattern("sensor_id", SENSOR_ID)),
    ),
)
MERGES = {
    READINGS.id: MergeSpec.for_table(READINGS),
    # A registry file delivered later describes the sensor as it is now.
    SENSORS.id: MergeSpec.for_table(SENSORS, order_by=("_source_file", "_ingested_at")),
}

PER_DAY = (
    Aggregate("readings", Function.COUNT),
    Aggregate("min_value", Function.MIN, "value"),
    Aggregate("max_value", Function.MAX, "value"),
    Aggregate("total_value", Function.SUM, "value"),
)


class DailyStatistics:
    """Readings per sensor and UTC day, with the sensor's site (null for an unregistered
    sensor: reported by a warning rule, never dropped)."""

    inputs = (READINGS, SENSORS)
    outputs = (DAILY,)

    def build(
        self, inputs: Mapping[TableId, F], engine: Engine[F], run: RunContext
    ) -> GoldOutput[F]:
        dated = engine.with_day(inputs[READINGS.id], "day", "ts")
        stats = engine.aggregate(dated, ("sensor_id", "day"), PER_DAY)
        sites = engine.project(inputs[SENSORS.id], (("sensor_id", "sensor_id"), ("site", "site")))
        return GoldOutput({DAILY.id: engine.join(stats, sites, ("sensor_id",), JoinKind.LEFT)})


SUITES = {
    READINGS.id: RuleSuite(READINGS.id, (*READING_RULES, Unique(("sensor_id", "ts")))),
    SENSORS.id: RuleSuite(SENSORS.id, (NotNull("sensor_id"), Unique(("sensor_id",)))),
    DAILY.id: RuleSuite(
        DAILY.id,
        (
            Unique(("sensor_id", "day")),
            Range("readings", min=1),
            NotNull("site", severity=Severity.WARNING),
        ),
    ),
}

PIPELINE = Pipeline(
    name="sensors",
    landing=(READINGS_LANDING, SENSORS_LANDING),
    conform=CONFORM,
    merges=MERGES,
    quarantine=QUARANTINE,
    gold=DailyStatistics(),
    suites=SUITES,
    description="Sensor readings to daily statistics per sensor.",
)
