-- Orders of one day, with their customer
-- category: exploration
-- The latest order date by default; for another day write e.g. DATE '2026-11-27' in its place.
SELECT
    f.order_date,
    f.order_id,
    f.customer_id,
    c.name AS customer_name,
    f.status,
    f.currency,
    f.amount_native,
    f.amount_usd
FROM lakecore_gold.fact_orders AS f
LEFT JOIN lakecore_gold.dim_customers AS c ON c.customer_id = f.customer_id
WHERE f.order_date = (SELECT max(order_date) FROM lakecore_gold.fact_orders)
ORDER BY f.order_id
