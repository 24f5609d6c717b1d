"""What the demo shows once the pipeline has run: table sizes, quarantine reasons, a gold query."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import SparkSession

from adapters.delta.store import DeltaTableStore
from adapters.spark.engine import SparkEngine
from lakecore.schema import TableSpec
from pipelines import orders as lh

SAMPLE_QUERY = """
SELECT c.country,
       count(*)                        AS orders,
       round(sum(f.amount_usd), 2)     AS revenue_usd,
       round(avg(f.amount_usd), 2)     AS avg_order_usd
FROM fact_orders f
JOIN dim_customers c ON c.customer_id = f.customer_id
WHERE f.status <> 'CANCELLED'
GROUP BY c.country
ORDER BY revenue_usd DESC
LIMIT 5
""".strip()


def table_counts(
    store: DeltaTableStore, engine: SparkEngine, tables: Sequence[TableSpec]
) -> dict[str, int | None]:
    return {str(t.id): engine.count(store.read(t)) if store.exists(t.id) else None for t in tables}


def quarantine_reasons(store: DeltaTableStore, engine: SparkEngine) -> dict[tuple[str, str], int]:
    if not store.exists(lh.QUARANTINE.id):
        return {}
    counts = engine.count_by(store.read(lh.QUARANTINE), ("table", "reason"))
    return {(str(k[0]), str(k[1])): v for k, v in counts.items()}


def sample_query(spark: SparkSession, store: DeltaTableStore) -> list[tuple[object, ...]]:
    store.read(lh.FACT_ORDERS).createOrReplaceTempView("fact_orders")
    store.read(lh.DIM_CUSTOMERS).createOrReplaceTempView("dim_customers")
    return [tuple(row) for row in spark.sql(SAMPLE_QUERY).collect()]


def render(
    counts: dict[str, int | None],
    reasons: dict[tuple[str, str], int],
    rows: list[tuple[object, ...]],
) -> str:
    lines = ["", "Tables (rows)"]
    lines += [f"  {name:<34} {'-' if n is None else f'{n:,}':>12}" for name, n in counts.items()]
    total = sum(reasons.values())
    lines += ["", f"Quarantined: {total:,} rows (table, reason)"]
    for (table, reason), n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {n:>8,}  {table:<22} {reason}")
    lines += [
        "",
        "Sample gold query: revenue in USD by customer country",
        _indent(SAMPLE_QUERY),
        "",
    ]
    lines.append(f"  {'country':<8} {'orders':>8} {'revenue_usd':>16} {'avg_order_usd':>14}")
    lines += [f"  {r[0]!s:<8} {r[1]:>8,} {r[2]:>16,} {r[3]:>14,}" for r in rows]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
