-- Foreign keys among the synced target tables ($1: their oids, '{...}'):
-- the key, the synced child and parent, and whether the check can be deferred to
-- commit, the partition it is declared on and the partition it
-- references (schema-qualified, quoted; "" when the synced table itself). A key declared on a partition (at any depth) counts as a key of
-- the synced partitioned table it belongs to, and a key referencing a
-- partition as one referencing that table: either orders the load alike.
-- A key declared on a partitioned table repeats on each partition (and on
-- each referenced partition) under the same name: one row is kept, the
-- one declared on the synced table itself when there is one.
WITH RECURSIVE part(relid, top) AS (
  SELECT o, o FROM pg_catalog.unnest($1::oid[]) o
  UNION ALL
  SELECT i.inhrelid, p.top
  FROM pg_catalog.pg_inherits i
  JOIN part p ON p.relid = i.inhparent
  JOIN pg_catalog.pg_class k ON k.oid = i.inhrelid AND k.relispartition
)
SELECT DISTINCT ON (c.conname, cp.top, pp.top) c.conname, cp.top AS child, pp.top AS parent, c.condeferrable,
       CASE WHEN c.conrelid <> cp.top
            THEN pg_catalog.quote_ident(n.nspname) || '.'
                 || pg_catalog.quote_ident(r.relname) ELSE '' END AS on_table,
       CASE WHEN c.confrelid <> pp.top
            THEN pg_catalog.quote_ident(fn.nspname) || '.'
                 || pg_catalog.quote_ident(f.relname) ELSE '' END AS to_table
FROM pg_catalog.pg_constraint c
JOIN part cp ON cp.relid = c.conrelid
JOIN part pp ON pp.relid = c.confrelid
JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
JOIN pg_catalog.pg_class f ON f.oid = c.confrelid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
WHERE c.contype = 'f'
ORDER BY c.conname, cp.top, pp.top, c.conrelid <> cp.top, c.confrelid <> pp.top,
         on_table, to_table
