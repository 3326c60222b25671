-- One sync at a time per target: a transaction-level advisory lock (it
-- works through transaction poolers and is released by COMMIT, ROLLBACK
-- or the death of the session). Key: ('sync' as int4, 2).
SELECT pg_catalog.pg_try_advisory_xact_lock(1937337955, 2)
