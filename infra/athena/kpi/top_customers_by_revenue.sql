-- Top 10 customers by revenue in USD
-- category: kpi
-- Revenue counts paid orders (PAID, SHIPPED). A customer not (yet) in dim_customers still counts.
SELECT
    f.customer_id,
    c.name AS customer_name,
    c.country,
    count(*) AS paid_orders,
    sum(f.amount_usd) AS revenue_usd
FROM lakecore_gold.fact_orders AS f
LEFT JOIN lakecore_gold.dim_customers AS c ON c.customer_id = f.customer_id
WHERE f.status IN ('PAID', 'SHIPPED')
GROUP BY f.customer_id, c.name, c.country
ORDER BY revenue_usd DESC, f.customer_id
LIMIT 10
