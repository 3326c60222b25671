-- The checksum's statements, on both connections (transaction-local):
-- no JIT (its compile time, about a second per statement on a busy
-- server, is more than it saves on these scans, and the row-level
-- statement's estimates would trigger it for a few hundred rows), and
-- room for the aggregates' hash tables so they do not spill to disk.
-- Both stay for the rest of the transaction: the target's merge of the
-- rows found is small, and JIT would cost it more than it saves.
SELECT pg_catalog.set_config('jit', 'off', true),
       pg_catalog.set_config('work_mem', '64MB', true)
