-- Freshness: when each table last received rows, and how recent its data is, against now
-- category: monitoring
-- Silver rows carry _ingested_at; gold tables have no lineage columns, so their newest business
-- date stands in. Ages are in minutes (ingestion) and hours (data).
WITH latest AS (
    SELECT
        'lakecore_silver.salesforce_accounts' AS table_name,
        max(_ingested_at) AS last_ingested_at,
        max(modified_at) AS newest_data_at
    FROM lakecore_silver.salesforce_accounts
    UNION ALL
    SELECT 'lakecore_silver.salesforce_leads', max(_ingested_at), max(modified_at)
    FROM lakecore_silver.salesforce_leads
    UNION ALL
    SELECT 'lakecore_silver.fx_rates', max(_ingested_at), CAST(max(as_of_date) AS timestamp)
    FROM lakecore_silver.fx_rates
    UNION ALL
    SELECT 'lakecore_silver.orders', max(_ingested_at), max(event_ts)
    FROM lakecore_silver.orders
    UNION ALL
    SELECT 'lakecore_silver.quarantine', max(_quarantined_at), max(_quarantined_at)
    FROM lakecore_silver.quarantine
    UNION ALL
    SELECT 'lakecore_gold.dim_customers', CAST(NULL AS timestamp), max(updated_at)
    FROM lakecore_gold.dim_customers
    UNION ALL
    SELECT 'lakecore_gold.dim_fx', CAST(NULL AS timestamp), CAST(max(as_of_date) AS timestamp)
    FROM lakecore_gold.dim_fx
    UNION ALL
    SELECT
        'lakecore_gold.fact_orders',
        CAST(NULL AS timestamp),
        CAST(max(order_date) AS timestamp)
    FROM lakecore_gold.fact_orders
)
SELECT
    table_name,
    last_ingested_at,
    date_diff('minute', last_ingested_at, current_timestamp) AS minutes_since_ingest,
    newest_data_at,
    date_diff('hour', newest_data_at, current_timestamp) AS hours_since_newest_data
FROM latest
ORDER BY table_name
