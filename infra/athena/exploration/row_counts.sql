-- Rows in every silver and gold table
-- category: exploration
-- A first look at the lake: how big each table is.
SELECT 'lakecore_silver.salesforce_accounts' AS table_name, count(*) AS row_count
FROM lakecore_silver.salesforce_accounts
UNION ALL
SELECT 'lakecore_silver.salesforce_leads', count(*) FROM lakecore_silver.salesforce_leads
UNION ALL
SELECT 'lakecore_silver.fx_rates', count(*) FROM lakecore_silver.fx_rates
UNION ALL
SELECT 'lakecore_silver.orders', count(*) FROM lakecore_silver.orders
UNION ALL
SELECT 'lakecore_silver.quarantine', count(*) FROM lakecore_silver.quarantine
UNION ALL
SELECT 'lakecore_gold.dim_customers', count(*) FROM lakecore_gold.dim_customers
UNION ALL
SELECT 'lakecore_gold.dim_fx', count(*) FROM lakecore_gold.dim_fx
UNION ALL
SELECT 'lakecore_gold.fact_orders', count(*) FROM lakecore_gold.fact_orders
ORDER BY table_name
