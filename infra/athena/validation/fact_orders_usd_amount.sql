-- Fact orders whose USD amount has no FX rate behind it, or does not match it
-- category: validation
-- expect: no rows on a clean lake
-- amount_usd = round(amount_native / rate_to_usd, 2) at the rate of the order date; USD
-- converts to itself. A difference up to one cent is tolerated (engines round differently).
SELECT
    'lakecore_gold.fact_orders' AS table_name,
    f.order_id AS row_key,
    f.order_date,
    f.currency,
    f.amount_native,
    f.amount_usd,
    fx.rate_to_usd,
    CASE
        WHEN f.amount_usd IS NULL THEN 'no USD amount'
        WHEN f.currency = 'USD' THEN 'USD amount differs from the native amount'
        WHEN fx.rate_to_usd IS NULL THEN 'no FX rate for its date and currency'
        ELSE 'USD amount does not match the FX rate'
    END AS problem
FROM lakecore_gold.fact_orders AS f
LEFT JOIN lakecore_gold.dim_fx AS fx
    ON fx.as_of_date = f.order_date AND fx.ccy = f.currency
WHERE f.amount_usd IS NULL
    OR f.currency IS NULL
    OR (f.currency = 'USD' AND f.amount_usd <> f.amount_native)
    OR (
        f.currency <> 'USD'
        AND (
            fx.rate_to_usd IS NULL
            OR abs(f.amount_usd - round(f.amount_native / fx.rate_to_usd, 2)) > 0.01
        )
    )
ORDER BY row_key
