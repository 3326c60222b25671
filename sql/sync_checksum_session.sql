-- The checksum's statements, on both connections (transaction-local):
-- no JIT (its compile time, about a second per statement on a busy
-- server, is more than it saves on these scans, and the row-level
-- statement's estimates would trigger it for a few hundred rows), and
-- room for the aggregates' hash tables so they do not spill to disk.
SELECT pg_catalog.set_config('jit', 'off', true),
       pg_catalog.set_config('work_mem', '64MB', true)
