-- The tables of schema $1 (only table $2 when $2 is not null) with what the
-- plan needs: row estimate, row level security, and the privileges of the
-- connected role. Partitions are reached through their parent.
-- The estimate is the planner's: the rows per page the last ANALYZE or
-- VACUUM saw, times the pages there are now (reltuples alone stays at 10
-- for a table analyzed at 10 rows and grown to millions since, and the
-- checksum's segments are sized from it); a partitioned table's is the
-- sum of its leaves'. -1: unknown (never analyzed, not empty).
SELECT c.oid, c.relname, c.relkind = 'p' AS partitioned,
       (SELECT CASE WHEN bool_or(e < 0) THEN -1 ELSE sum(e) END::bigint
        FROM (SELECT pt.relid FROM pg_catalog.pg_partition_tree(c.oid) pt
              WHERE pt.isleaf
              UNION ALL SELECT c.oid WHERE c.relkind = 'r') pt
        JOIN pg_catalog.pg_class l ON l.oid = pt.relid
        CROSS JOIN LATERAL (
          SELECT CASE WHEN l.relkind NOT IN ('r', 'm') THEN 0
                      WHEN l.relpages > 0 AND l.reltuples >= 0
                      THEN l.reltuples / l.relpages
                           * (pg_catalog.pg_relation_size(l.oid)
                              / pg_catalog.current_setting('block_size')::int8)
                      WHEN pg_catalog.pg_relation_size(l.oid) = 0 THEN 0
                      ELSE -1 END AS e) x) AS estimate,
       c.relrowsecurity AND (c.relforcerowsecurity
                             OR NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')) AS rls,
       pg_catalog.has_table_privilege(c.oid, 'SELECT') AS can_select,
       pg_catalog.has_table_privilege(c.oid, 'INSERT') AS can_insert,
       pg_catalog.has_table_privilege(c.oid, 'UPDATE') AS can_update
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND ($2::text IS NULL OR c.relname = $2)
ORDER BY c.relname
