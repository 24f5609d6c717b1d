-- Revenue in USD by customer country
-- category: kpi
-- Revenue counts paid orders (PAID, SHIPPED); orders of customers not in dim_customers show as (unknown).
SELECT
    coalesce(c.country, '(unknown)') AS country,
    count(DISTINCT f.customer_id) AS customers,
    count(*) AS paid_orders,
    sum(f.amount_usd) AS revenue_usd,
    round(100.0 * sum(f.amount_usd) / sum(sum(f.amount_usd)) OVER (), 2) AS pct_of_revenue
FROM lakecore_gold.fact_orders AS f
LEFT JOIN lakecore_gold.dim_customers AS c ON c.customer_id = f.customer_id
WHERE f.status IN ('PAID', 'SHIPPED')
GROUP BY coalesce(c.country, '(unknown)')
ORDER BY revenue_usd DESC, country
