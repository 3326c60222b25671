-- Back to the session's own session_replication_role after a table whose
-- rule says "triggers": "skip".
SELECT pg_catalog.set_config('session_replication_role', reset_val, true)
FROM pg_catalog.pg_settings WHERE name = 'session_replication_role'
