-- "triggers": "skip": the target's user triggers (and foreign key checks,
-- which are triggers too) do not fire for the rest of the transaction,
-- until sync_replica_end.sql; a role that may not set the parameter gets
-- an error.
SELECT pg_catalog.set_config('session_replication_role', 'replica', true)
