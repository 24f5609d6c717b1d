-- FX rates that cannot convert: not positive, missing, not against USD, or a malformed currency
-- category: validation
-- expect: no rows on a clean lake
-- Rates are units of ccy per 1 USD. Null keys: null_keys.sql.
SELECT
    'lakecore_silver.fx_rates' AS table_name,
    CAST(as_of_date AS varchar) || ' ' || ccy AS row_key,
    base_ccy,
    rate_to_base AS rate
FROM lakecore_silver.fx_rates
WHERE as_of_date IS NOT NULL AND ccy IS NOT NULL
    AND (
        rate_to_base IS NULL
        OR rate_to_base <= 0
        OR base_ccy IS NULL
        OR base_ccy <> 'USD'
        OR NOT regexp_like(ccy, '^[A-Z]{3}$')
    )
UNION ALL
SELECT 'lakecore_gold.dim_fx', CAST(as_of_date AS varchar) || ' ' || ccy, 'USD', rate_to_usd
FROM lakecore_gold.dim_fx
WHERE as_of_date IS NOT NULL AND ccy IS NOT NULL
    AND (rate_to_usd IS NULL OR rate_to_usd <= 0 OR NOT regexp_like(ccy, '^[A-Z]{3}$'))
ORDER BY table_name, row_key
