-- After the checksum: sorts and parallel workers back as they were before
-- the transaction turned them off (sync_checksum_session.sql), for the
-- statements that follow in it (the target's merge, other tables).
SELECT pg_catalog.set_config(name, reset_val, true)
FROM pg_catalog.pg_settings
WHERE name IN ('enable_sort', 'max_parallel_workers_per_gather')
