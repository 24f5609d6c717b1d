-- Orders, paid orders, cancellations and revenue per day
-- category: kpi
SELECT
    order_date,
    count(*) AS orders,
    count_if(status IN ('PAID', 'SHIPPED')) AS paid_orders,
    count_if(status = 'CANCELLED') AS cancelled_orders,
    coalesce(sum(amount_usd) FILTER (WHERE status IN ('PAID', 'SHIPPED')), 0) AS revenue_usd
FROM lakecore_gold.fact_orders
GROUP BY order_date
ORDER BY order_date
