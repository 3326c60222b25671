-- Whether schema $1 exists (plan: a missing schema is a configuration error).
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)
