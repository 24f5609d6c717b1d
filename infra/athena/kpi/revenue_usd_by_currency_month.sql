-- Revenue in USD by order currency and month
-- category: kpi
-- Revenue counts paid orders (PAID, SHIPPED); PLACED is not paid yet, CANCELLED never will be.
SELECT
    date_format(order_date, '%Y-%m') AS order_month,
    currency,
    count(*) AS paid_orders,
    sum(amount_native) AS revenue_native,
    sum(amount_usd) AS revenue_usd
FROM lakecore_gold.fact_orders
WHERE status IN ('PAID', 'SHIPPED')
GROUP BY date_format(order_date, '%Y-%m'), currency
ORDER BY order_month, revenue_usd DESC, currency
