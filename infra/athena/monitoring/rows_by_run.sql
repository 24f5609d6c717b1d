-- Rows per silver table by the run that last wrote them
-- category: monitoring
-- A merge stamps the rows it writes with its _run_id: a run that wrote far more or fewer rows
-- than usual stands out. Newest runs first.
SELECT
    table_name,
    run_id,
    count(*) AS row_count,
    min(ingested_at) AS first_ingested_at,
    max(ingested_at) AS last_ingested_at
FROM (
    SELECT
        'lakecore_silver.salesforce_accounts' AS table_name,
        _run_id AS run_id,
        _ingested_at AS ingested_at
    FROM lakecore_silver.salesforce_accounts
    UNION ALL
    SELECT 'lakecore_silver.salesforce_leads', _run_id, _ingested_at
    FROM lakecore_silver.salesforce_leads
    UNION ALL
    SELECT 'lakecore_silver.fx_rates', _run_id, _ingested_at FROM lakecore_silver.fx_rates
    UNION ALL
    SELECT 'lakecore_silver.orders', _run_id, _ingested_at FROM lakecore_silver.orders
) AS stamped
GROUP BY table_name, run_id
ORDER BY last_ingested_at DESC, table_name, run_id
