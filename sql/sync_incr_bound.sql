-- Incremental rules: how far a watermark may move. Read on the source
-- before the run's snapshot is taken (outside its transaction), so that
-- a transaction open at the snapshot either shows here (open then) or
-- started after this statement. The bound is the oldest xact_start of
-- the database's other backends in a transaction, with or without a
-- transaction id (one that has not written yet may still stamp rows with
-- its start time), and this statement's own start; as UTC text. Also:
-- how many of them are in a transaction, and how many this role may not
-- see (their xact_start hidden without pg_read_all_stats); and whether
-- the source is a standby, whose primary's transactions show nowhere here.
SELECT (LEAST(pg_catalog.now(), pg_catalog.min(a.xact_start))
          AT TIME ZONE 'UTC')::text || '+00',
       pg_catalog.count(a.xact_start),
       pg_catalog.count(*) FILTER (WHERE a.query = '<insufficient privilege>'),
       pg_catalog.pg_is_in_recovery()
FROM pg_catalog.pg_stat_activity a
WHERE a.datname = pg_catalog.current_database()
  AND a.pid <> pg_catalog.pg_backend_pid()
  -- hidden sessions show no backend_type: counted, as they may write
  AND coalesce(a.backend_type, '') NOT IN ('autovacuum worker', 'autovacuum launcher',
                             'walsender', 'checkpointer', 'background writer',
                             'walwriter', 'startup', 'archiver')
