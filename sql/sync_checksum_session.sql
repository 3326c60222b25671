-- The checksum's statements, on both connections (transaction-local):
-- no JIT (its compile time, about a second per statement on a busy
-- server, is more than it saves on these scans, and the row-level
-- statement's estimates would trigger it for a few hundred rows), room
-- for the aggregates' hash tables so they do not spill to disk, and no
-- sorts: the planner counts a segment expression's groups as the key's
-- distinct values (a million for a million rows, where there are 62,500
-- segments) and, without parallel workers, would sort the whole table on
-- disk instead of aggregating in a hash table (a million rows: 3.4 s and
-- 175 MB of temporary files against 2.5 s), and no parallel workers (one
-- backend per server: sync_checksum_segments.sql). JIT and work_mem stay
-- for the rest of the transaction (the target's merge of the rows found
-- is small, JIT would cost it more than it saves); sorts and workers come
-- back (sync_checksum_sorts.sql).
SELECT pg_catalog.set_config('jit', 'off', true),
       pg_catalog.set_config('work_mem', '64MB', true),
       pg_catalog.set_config('enable_sort', 'off', true),
       pg_catalog.set_config('max_parallel_workers_per_gather', '0', true)
