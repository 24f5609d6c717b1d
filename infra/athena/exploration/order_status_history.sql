-- Orders that changed status: first and latest event
-- category: exploration
SELECT
    order_id,
    count(*) AS events,
    min(event_ts) AS placed_at,
    max(event_ts) AS last_event_at,
    min_by(status, event_ts) AS first_status,
    max_by(status, event_ts) AS latest_status
FROM lakecore_silver.orders
GROUP BY order_id
HAVING count(*) > 1
ORDER BY last_event_at DESC, order_id
LIMIT 100
