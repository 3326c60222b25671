-- The checksum's statements, on both connections (transaction-local):
-- no JIT (its compile time, about a second per statement on a busy
-- server, is more than it saves on these scans, and the row-level
-- statement's estimates would trigger it for a few hundred rows), room
-- for the aggregates' hash tables so they do not spill to disk, and no
-- sorts: the planner cannot count a segment expression's groups, takes
-- every row for a group and, without parallel workers, sorts the whole
-- table on disk instead of aggregating in a hash table a few MB large
-- (a million rows: 3.4 s and 175 MB of temporary files against 2.5 s).
-- sync_checksum_session_end.sql gives them back.
SELECT pg_catalog.set_config('jit', 'off', true),
       pg_catalog.set_config('work_mem', '64MB', true),
       pg_catalog.set_config('enable_sort', 'off', true)
