-- The watermark a run stores for a time column: the bound $1 (timestamptz,
-- sync_incr_bound.sql) as the column's type $2 holds it. A timestamp or
-- date stamped by now() holds the writer's local time: the source's
-- default time zone (the session's own is UTC for the run).
SELECT CASE $2::text
         WHEN 'timestamptz' THEN $1::timestamptz::text
         WHEN 'timestamp' THEN ($1::timestamptz AT TIME ZONE z.reset_val)::text
         ELSE ($1::timestamptz AT TIME ZONE z.reset_val)::date::text
       END
FROM pg_catalog.pg_settings z
WHERE z.name = 'TimeZone'
