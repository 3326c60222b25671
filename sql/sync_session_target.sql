-- The target's transaction only: room for the merge's hash join. The
-- commit stays synchronous: a 200 promises a durable run.
SELECT pg_catalog.set_config('work_mem', '64MB', true)
