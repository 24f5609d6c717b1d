-- Average and median order value in USD per month
-- category: kpi
-- Over paid orders (PAID, SHIPPED). The median is approximate (approx_percentile takes a double).
SELECT
    date_format(order_date, '%Y-%m') AS order_month,
    count(*) AS paid_orders,
    sum(amount_usd) AS revenue_usd,
    round(avg(amount_usd), 2) AS average_order_usd,
    round(approx_percentile(CAST(amount_usd AS double), 0.5), 2) AS median_order_usd
FROM lakecore_gold.fact_orders
WHERE status IN ('PAID', 'SHIPPED')
GROUP BY date_format(order_date, '%Y-%m')
ORDER BY order_month
