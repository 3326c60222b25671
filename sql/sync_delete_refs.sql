-- Foreign keys of other tables that reference table $1 (or a partition of
-- it) with an ON DELETE action that writes to the referencing table:
-- CASCADE, SET NULL, SET DEFAULT. A delete rule needs "cascade": true.
SELECT pg_catalog.format('%I.%I', n.nspname, r.relname), c.conname,
       CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
                          ELSE 'SET DEFAULT' END
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r ON r.oid = c.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
WHERE c.contype = 'f' AND c.confdeltype IN ('c', 'n', 'd') AND c.conparentid = 0
  AND c.confrelid IN (SELECT $1::oid
                      UNION
                      SELECT relid FROM pg_catalog.pg_partition_tree($1::oid::regclass))
ORDER BY 1, 2
