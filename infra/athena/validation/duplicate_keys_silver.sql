-- Duplicate keys in silver: keys held by more than one row
-- category: validation
-- expect: no rows on a clean lake
-- Every silver merge keeps one row per key; a key listed here broke that. Null keys: null_keys.sql.
SELECT
    'lakecore_silver.salesforce_accounts' AS table_name,
    account_id AS row_key,
    count(*) AS copies
FROM lakecore_silver.salesforce_accounts
WHERE account_id IS NOT NULL
GROUP BY account_id
HAVING count(*) > 1
UNION ALL
SELECT 'lakecore_silver.salesforce_leads', lead_id, count(*)
FROM lakecore_silver.salesforce_leads
WHERE lead_id IS NOT NULL
GROUP BY lead_id
HAVING count(*) > 1
UNION ALL
SELECT 'lakecore_silver.fx_rates', CAST(as_of_date AS varchar) || ' ' || ccy, count(*)
FROM lakecore_silver.fx_rates
WHERE as_of_date IS NOT NULL AND ccy IS NOT NULL
GROUP BY as_of_date, ccy
HAVING count(*) > 1
UNION ALL
SELECT
    'lakecore_silver.orders',
    order_id || ' ' || date_format(event_ts, '%Y-%m-%d %H:%i:%s'),
    count(*)
FROM lakecore_silver.orders
WHERE order_id IS NOT NULL AND event_ts IS NOT NULL
GROUP BY order_id, event_ts
HAVING count(*) > 1
ORDER BY table_name, row_key
