-- Orders whose status is not one of PLACED, PAID, SHIPPED, CANCELLED
-- category: validation
-- expect: no rows on a clean lake
-- A missing status is unknown too. Statuses are upper case in silver and gold.
SELECT
    'lakecore_silver.orders' AS table_name,
    order_id || ' ' || date_format(event_ts, '%Y-%m-%d %H:%i:%s') AS row_key,
    status
FROM lakecore_silver.orders
WHERE status IS NULL OR status NOT IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')
UNION ALL
SELECT 'lakecore_gold.fact_orders', order_id, status
FROM lakecore_gold.fact_orders
WHERE status IS NULL OR status NOT IN ('PLACED', 'PAID', 'SHIPPED', 'CANCELLED')
ORDER BY table_name, row_key
