-- The target's transaction only: the run is idempotent, so a crash right
-- after COMMIT losing it costs one repeat, not data (synchronous_commit);
-- room for the merge's hash join.
SELECT pg_catalog.set_config('synchronous_commit', 'off', true),
       pg_catalog.set_config('work_mem', '64MB', true)
