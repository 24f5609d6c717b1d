-- FX rate lag per currency: the latest rate against the latest order date and today
-- category: monitoring
-- A currency whose rates stop before the orders do will send that day's orders to quarantine.
WITH last_order AS (
    SELECT max(order_date) AS order_date FROM lakecore_gold.fact_orders
)
SELECT
    fx.ccy,
    max(fx.as_of_date) AS latest_rate_date,
    date_diff('day', max(fx.as_of_date), max(o.order_date)) AS days_behind_orders,
    date_diff('day', max(fx.as_of_date), current_date) AS days_behind_today
FROM lakecore_silver.fx_rates AS fx
CROSS JOIN last_order AS o
GROUP BY fx.ccy
ORDER BY days_behind_orders DESC, fx.ccy
