-- The latest quarantined records of the past 7 days, with the raw record
-- category: monitoring
SELECT
    _quarantined_at AS quarantined_at,
    "table" AS table_name,
    source_table,
    reason,
    _source_file AS source_file,
    record
FROM lakecore_silver.quarantine
WHERE _proc_date >= current_date - INTERVAL '7' DAY
    AND _quarantined_at >= current_timestamp - INTERVAL '7' DAY
ORDER BY quarantined_at DESC, table_name, reason
LIMIT 100
