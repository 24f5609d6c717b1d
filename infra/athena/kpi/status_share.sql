-- Share of orders and of order value by status
-- category: kpi
SELECT
    status,
    count(*) AS orders,
    round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct_of_orders,
    sum(amount_usd) AS amount_usd,
    round(100.0 * sum(amount_usd) / sum(sum(amount_usd)) OVER (), 2) AS pct_of_amount
FROM lakecore_gold.fact_orders
GROUP BY status
ORDER BY orders DESC, status
