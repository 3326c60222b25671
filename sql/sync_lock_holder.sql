-- Who holds the run lock (sync_lock.sql's key) on this database: pid,
-- application_name and since when (its transaction's start, in UTC).
SELECT a.pid, COALESCE(a.application_name, ''),
       COALESCE(to_char(a.xact_start AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'an unknown time')
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND l.classid = 1937337955 AND l.objid = 2 AND l.objsubid = 2
  AND l.database = (SELECT oid FROM pg_catalog.pg_database
                    WHERE datname = pg_catalog.current_database())
LIMIT 1
