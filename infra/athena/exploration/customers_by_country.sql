-- Customers per country, and how many of them have ordered
-- category: exploration
SELECT
    coalesce(c.country, '(unknown)') AS country,
    count(*) AS customers,
    count_if(o.orders > 0) AS customers_with_orders,
    coalesce(sum(o.orders), 0) AS orders
FROM lakecore_gold.dim_customers AS c
LEFT JOIN (
    SELECT customer_id, count(*) AS orders
    FROM lakecore_gold.fact_orders
    GROUP BY customer_id
) AS o ON o.customer_id = c.customer_id
GROUP BY coalesce(c.country, '(unknown)')
ORDER BY customers DESC, country
