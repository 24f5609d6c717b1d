-- Rows with a null in a key column, in silver and gold
-- category: validation
-- expect: no rows on a clean lake
-- row_key shows the missing part as (null); source_file says where a silver row came from.
SELECT
    'lakecore_silver.salesforce_accounts' AS table_name,
    '(null)' AS row_key,
    _source_file AS source_file
FROM lakecore_silver.salesforce_accounts
WHERE account_id IS NULL
UNION ALL
SELECT 'lakecore_silver.salesforce_leads', '(null)', _source_file
FROM lakecore_silver.salesforce_leads
WHERE lead_id IS NULL
UNION ALL
SELECT
    'lakecore_silver.fx_rates',
    coalesce(CAST(as_of_date AS varchar), '(null)') || ' ' || coalesce(ccy, '(null)'),
    _source_file
FROM lakecore_silver.fx_rates
WHERE as_of_date IS NULL OR ccy IS NULL
UNION ALL
SELECT
    'lakecore_silver.orders',
    coalesce(order_id, '(null)') || ' '
    || coalesce(date_format(event_ts, '%Y-%m-%d %H:%i:%s'), '(null)'),
    _source_file
FROM lakecore_silver.orders
WHERE order_id IS NULL OR event_ts IS NULL
UNION ALL
SELECT 'lakecore_gold.dim_customers', '(null)', CAST(NULL AS varchar)
FROM lakecore_gold.dim_customers
WHERE customer_id IS NULL
UNION ALL
SELECT
    'lakecore_gold.dim_fx',
    coalesce(CAST(as_of_date AS varchar), '(null)') || ' ' || coalesce(ccy, '(null)'),
    CAST(NULL AS varchar)
FROM lakecore_gold.dim_fx
WHERE as_of_date IS NULL OR ccy IS NULL
UNION ALL
SELECT 'lakecore_gold.fact_orders', '(null)', CAST(NULL AS varchar)
FROM lakecore_gold.fact_orders
WHERE order_id IS NULL
ORDER BY table_name, row_key
