-- The enabled user BEFORE row triggers on INSERT or UPDATE of table $1
-- (an oid) on the target, the ones that can rewrite a column the sync
-- writes: their names for a message, and a hash of their definitions and
-- their functions' bodies (a changed trigger or function is another
-- hash). No row when there is none. Also whether syncfn.rewritten exists
-- (syncfn doctor plans without migrating). A partitioned table's own
-- triggers fire on each of its partitions; one created on a partition
-- alone is not read.
SELECT pg_catalog.string_agg(pg_catalog.quote_ident(g.tgname), ', '
                             ORDER BY g.tgname),
       pg_catalog.md5(pg_catalog.string_agg(
         pg_catalog.pg_get_triggerdef(g.oid) || ' ' || g.tgenabled::text || ' '
         || p.oid::regprocedure::text || ' ' || coalesce(p.prosrc, '')
         || ' ' || coalesce(p.probin, ''), ';' ORDER BY g.tgname)),
       pg_catalog.to_regclass('syncfn.rewritten') IS NOT NULL
FROM pg_catalog.pg_trigger g
JOIN pg_catalog.pg_proc p ON p.oid = g.tgfoid
WHERE g.tgrelid = $1::oid AND NOT g.tgisinternal
  AND g.tgenabled IN ('O', 'A')
  AND g.tgtype::int & 3 = 3          -- ROW and BEFORE
  AND g.tgtype::int & (4 | 16) <> 0  -- INSERT or UPDATE
HAVING count(*) > 0
