-- The user triggers of table $1 (an oid) on the target. The enabled
-- BEFORE row triggers on INSERT or UPDATE are the ones that can rewrite a
-- column the sync writes: their names for a message and a hash of their
-- definitions and their functions' bodies (a changed trigger or function
-- is another hash), NULL when there is none. Then whether
-- syncfn.rewritten exists (syncfn doctor plans without migrating), and
-- how many user triggers of any kind are not disabled: a table with none
-- may take the merge's UPDATE-first path (sync_merge_update_first.sql),
-- which fires other triggers than INSERT ... ON CONFLICT. A partitioned
-- table's triggers are its own and its partitions' (one created on a
-- partition alone fires on that partition's rows); a trigger declared on
-- a partitioned table has a clone of the same name and function on each
-- partition, which is the same trigger, read once (a clone on table $1
-- itself, a partition whose parent is not synced, is its trigger).
SELECT pg_catalog.string_agg(pg_catalog.quote_ident(g.tgname), ', '
                             ORDER BY g.tgname) FILTER (WHERE g.rewrites),
       pg_catalog.md5(pg_catalog.string_agg(
         pg_catalog.pg_get_triggerdef(g.oid) || ' ' || g.tgenabled::text || ' '
         || p.oid::regprocedure::text || ' ' || coalesce(p.prosrc, '')
         || ' ' || coalesce(p.probin, ''), ';' ORDER BY g.tgname)
         FILTER (WHERE g.rewrites)),
       pg_catalog.to_regclass('syncfn.rewritten') IS NOT NULL,
       count(*)
FROM (SELECT g.*,
             g.tgenabled IN ('O', 'A')
             AND g.tgtype::int & 3 = 3          -- ROW and BEFORE
             AND g.tgtype::int & (4 | 16) <> 0  -- INSERT or UPDATE
               AS rewrites
      FROM pg_catalog.pg_trigger g
      WHERE (g.tgrelid = $1::oid
             OR g.tgrelid IN (SELECT pt.relid
                              FROM pg_catalog.pg_partition_tree($1::oid) pt
                              WHERE pt.level > 0))
        AND NOT g.tgisinternal AND g.tgenabled <> 'D'
        AND NOT EXISTS (
          SELECT 1 FROM pg_catalog.pg_trigger a
          WHERE a.tgname = g.tgname AND a.tgfoid = g.tgfoid
            AND a.tgrelid IN (SELECT an.relid
                              FROM pg_catalog.pg_partition_ancestors(g.tgrelid) an
                              WHERE an.relid <> g.tgrelid
                                AND an.relid IN (SELECT pt.relid
                                                 FROM pg_catalog.pg_partition_tree($1::oid) pt)))) g
JOIN pg_catalog.pg_proc p ON p.oid = g.tgfoid
