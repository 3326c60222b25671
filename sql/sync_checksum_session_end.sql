-- After the checksum: settings $1 (a text[]) back to what they were
-- before the transaction changed them, for the statements that follow in
-- the same transaction (the target's merge plans with sorts and JIT as
-- usual; the target keeps the work_mem its own session set).
SELECT pg_catalog.set_config(name, reset_val, true)
FROM pg_catalog.pg_settings
WHERE name = ANY ($1::text[])
