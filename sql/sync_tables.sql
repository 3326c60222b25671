-- The tables of schema $1 (only table $2 when $2 is not null) with what the
-- plan needs: row estimate, row level security, and the privileges of the
-- connected role. Partitions are reached through their parent.
SELECT c.oid, c.relname, c.relkind = 'p' AS partitioned,
       GREATEST(c.reltuples, -1)::bigint AS estimate,
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
