-- Duplicate keys in gold: keys held by more than one row
-- category: validation
-- expect: no rows on a clean lake
-- A duplicate in gold double counts in every KPI. Null keys: null_keys.sql.
SELECT
    'lakecore_gold.dim_customers' AS table_name,
    customer_id AS row_key,
    count(*) AS copies
FROM lakecore_gold.dim_customers
WHERE customer_id IS NOT NULL
GROUP BY customer_id
HAVING count(*) > 1
UNION ALL
SELECT 'lakecore_gold.dim_fx', CAST(as_of_date AS varchar) || ' ' || ccy, count(*)
FROM lakecore_gold.dim_fx
WHERE as_of_date IS NOT NULL AND ccy IS NOT NULL
GROUP BY as_of_date, ccy
HAVING count(*) > 1
UNION ALL
SELECT 'lakecore_gold.fact_orders', order_id, count(*)
FROM lakecore_gold.fact_orders
WHERE order_id IS NOT NULL
GROUP BY order_id
HAVING count(*) > 1
ORDER BY table_name, row_key
