-- Orders with a negative amount, in silver events and gold facts
-- category: validation
-- expect: no rows on a clean lake
SELECT
    'lakecore_silver.orders' AS table_name,
    order_id || ' ' || date_format(event_ts, '%Y-%m-%d %H:%i:%s') AS row_key,
    currency,
    amount AS amount_native,
    CAST(NULL AS decimal(18, 2)) AS amount_usd
FROM lakecore_silver.orders
WHERE amount < 0
UNION ALL
SELECT 'lakecore_gold.fact_orders', order_id, currency, amount_native, amount_usd
FROM lakecore_gold.fact_orders
WHERE amount_native < 0 OR amount_usd < 0
ORDER BY table_name, row_key
