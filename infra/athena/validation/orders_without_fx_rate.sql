-- Orders in silver with no FX rate for their date and currency
-- category: validation
-- expect: no rows on a clean lake
-- As gold dates and converts them: the day (UTC) of an order's first event, the currency of its
-- latest. These orders are left out of fact_orders (quarantined as missing_fx_rate) until a
-- rate arrives. USD needs no rate. row_key is the key of the order's first event.
WITH events AS (
    SELECT
        order_id,
        currency,
        min(event_ts) OVER (PARTITION BY order_id) AS placed_at,
        row_number() OVER (
            PARTITION BY order_id ORDER BY event_ts DESC, _ingested_at DESC
        ) AS recency
    FROM lakecore_silver.orders
    WHERE order_id IS NOT NULL
),
latest AS (
    SELECT order_id, currency, placed_at, CAST(placed_at AS date) AS order_date
    FROM events
    WHERE recency = 1
)
SELECT
    'lakecore_silver.orders' AS table_name,
    o.order_id || ' ' || date_format(o.placed_at, '%Y-%m-%d %H:%i:%s') AS row_key,
    o.order_date,
    o.currency
FROM latest AS o
WHERE o.currency IS NULL
    OR (
        o.currency <> 'USD'
        AND NOT EXISTS (
            SELECT 1
            FROM lakecore_silver.fx_rates AS r
            WHERE r.as_of_date = o.order_date
                AND r.ccy = o.currency
                AND r.rate_to_base IS NOT NULL
        )
    )
ORDER BY row_key
