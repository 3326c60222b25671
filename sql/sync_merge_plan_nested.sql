-- Around sync_merge_update_first.sql, in the run's transaction: hash and
-- merge joins off for that one statement (set_config(..., true) lasts
-- until the transaction ends, so the previous values are read first and
-- put back after it by sync_merge_plan_restore.sql). SET LOCAL rather
-- than a session SET: behind a transaction pooler a session setting
-- would stay with the server connection for the next client.
WITH was AS MATERIALIZED (
  SELECT pg_catalog.current_setting('enable_hashjoin') AS h,
         pg_catalog.current_setting('enable_mergejoin') AS m
)
SELECT h, m, pg_catalog.set_config('enable_hashjoin', 'off', true),
       pg_catalog.set_config('enable_mergejoin', 'off', true)
FROM was
