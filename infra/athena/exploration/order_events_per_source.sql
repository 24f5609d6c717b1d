-- Order events per source system and day
-- category: exploration
-- silver.orders keeps every event: Kafka (live) and Snowflake (legacy backfill).
SELECT
    source,
    CAST(event_ts AS date) AS event_date,
    count(*) AS events,
    count(DISTINCT order_id) AS orders,
    count(DISTINCT customer_id) AS customers
FROM lakecore_silver.orders
GROUP BY source, CAST(event_ts AS date)
ORDER BY event_date DESC, source
