-- FX coverage per currency: which days have a rate, and the range of rates
-- category: exploration
-- days_missing counts the days between the first and last rate that have none.
SELECT
    ccy,
    min(as_of_date) AS first_date,
    max(as_of_date) AS last_date,
    count(*) AS days_with_rate,
    date_diff('day', min(as_of_date), max(as_of_date)) + 1 - count(*) AS days_missing,
    min(rate_to_usd) AS min_rate_to_usd,
    max(rate_to_usd) AS max_rate_to_usd,
    max_by(rate_to_usd, as_of_date) AS latest_rate_to_usd
FROM lakecore_gold.dim_fx
GROUP BY ccy
ORDER BY ccy
