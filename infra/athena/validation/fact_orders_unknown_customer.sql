-- Fact orders whose customer is not in dim_customers
-- category: validation
-- expect: no rows on a clean lake
-- The pipeline only warns about these (an order can arrive before its account is synced);
-- an order listed here for days points at a deleted or never-synced account.
SELECT
    'lakecore_gold.fact_orders' AS table_name,
    f.order_id AS row_key,
    f.customer_id,
    f.order_date,
    f.status
FROM lakecore_gold.fact_orders AS f
WHERE f.customer_id IS NULL
    OR NOT EXISTS (
        SELECT 1 FROM lakecore_gold.dim_customers AS c WHERE c.customer_id = f.customer_id
    )
ORDER BY row_key
