-- Orders per current status
-- category: exploration
-- fact_orders holds each order once, at the status of its latest event.
SELECT
    status,
    count(*) AS orders,
    count(DISTINCT customer_id) AS customers,
    min(order_date) AS first_order_date,
    max(order_date) AS last_order_date
FROM lakecore_gold.fact_orders
GROUP BY status
ORDER BY orders DESC, status
