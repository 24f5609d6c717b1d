-- Lead conversion: leads per status, and the share converted to an account
-- category: kpi
SELECT
    coalesce(status, '(none)') AS lead_status,
    count(*) AS leads,
    count(converted_account_id) AS converted_to_account,
    round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct_of_leads
FROM lakecore_silver.salesforce_leads
WHERE NOT coalesce(is_deleted, false)
GROUP BY coalesce(status, '(none)')
ORDER BY leads DESC, lead_status
