-- Orders from silver to gold: published, rejected at the gold build, or unaccounted for
-- category: monitoring
-- Each silver order should be in fact_orders or quarantined by the gold build (for example
-- missing_fx_rate); unaccounted_orders above zero means orders went missing between layers.
WITH silver AS (
    SELECT DISTINCT order_id FROM lakecore_silver.orders WHERE order_id IS NOT NULL
),
rejected AS (
    SELECT DISTINCT json_extract_scalar(record, '$.order_id') AS order_id
    FROM lakecore_silver.quarantine
    WHERE "table" = 'gold.fact_orders'
)
SELECT
    count(*) AS silver_orders,
    count(f.order_id) AS published_orders,
    count_if(f.order_id IS NULL AND r.order_id IS NOT NULL) AS rejected_orders,
    count_if(f.order_id IS NULL AND r.order_id IS NULL) AS unaccounted_orders
FROM silver AS s
LEFT JOIN (SELECT DISTINCT order_id FROM lakecore_gold.fact_orders) AS f
    ON f.order_id = s.order_id
LEFT JOIN rejected AS r ON r.order_id = s.order_id
