-- Orders per day against the average of the 7 days before
-- category: monitoring
-- A day far from its trailing average (pct_change) is worth a look before trusting its KPIs.
WITH daily AS (
    SELECT order_date, count(*) AS orders
    FROM lakecore_gold.fact_orders
    GROUP BY order_date
)
SELECT
    order_date,
    orders,
    avg(orders) OVER (
        ORDER BY order_date ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING
    ) AS trailing_7_day_avg,
    round(
        100.0 * (
            orders
            - avg(orders) OVER (ORDER BY order_date ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING)
        )
        / avg(orders) OVER (ORDER BY order_date ROWS BETWEEN 7 PRECEDING AND 1 PRECEDING),
        1
    ) AS pct_change
FROM daily
ORDER BY order_date DESC
