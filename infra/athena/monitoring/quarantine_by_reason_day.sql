-- Quarantined records per day, table and reason
-- category: monitoring
-- _proc_date is the quarantine's partition column: add a range on it to scan only recent days.
SELECT
    _proc_date AS proc_date,
    "table" AS table_name,
    reason,
    count(*) AS records,
    count(DISTINCT _run_id) AS runs
FROM lakecore_silver.quarantine
GROUP BY _proc_date, "table", reason
ORDER BY proc_date DESC, records DESC, table_name, reason
