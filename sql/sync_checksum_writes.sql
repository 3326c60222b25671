-- The server's count of rows written to table $1 (an oid) and its
-- partitions, inserted + updated + deleted, as its statistics have it
-- (pg_stat_user_tables; kept since the statistics were last reset, on a
-- standby only its own writes). Read before a checksum and kept in the
-- run's statistics: a count that moved since the last run on either side
-- says the table was written, and the whole-table comparison, which
-- would then only add a pass, is skipped. A hint of speed only, never
-- of what is equal.
SELECT coalesce(sum(pg_catalog.pg_stat_get_tuples_inserted(relid)
                  + pg_catalog.pg_stat_get_tuples_updated(relid)
                  + pg_catalog.pg_stat_get_tuples_deleted(relid)), 0)
FROM (SELECT $1::oid AS relid
      UNION  -- a table that is no partition has no tree
      SELECT relid FROM pg_catalog.pg_partition_tree($1::oid::regclass)
      WHERE isleaf) p
