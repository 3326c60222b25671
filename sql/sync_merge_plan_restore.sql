-- After sync_merge_update_first.sql: the planner's join settings as they
-- were before it ($1 enable_hashjoin, $2 enable_mergejoin).
SELECT pg_catalog.set_config('enable_hashjoin', $1, true),
       pg_catalog.set_config('enable_mergejoin', $2, true)
