-- After the checksum: sorts back as they were before the transaction
-- turned them off (sync_checksum_session.sql), for the statements that
-- follow in it (the target's merge).
SELECT pg_catalog.set_config('enable_sort', reset_val, true)
FROM pg_catalog.pg_settings
WHERE name = 'enable_sort'
