-- The columns recorded as rewritten by the triggers of table $1 (as the
-- statistics name it) when they had hash $2; none under other triggers.
SELECT c
FROM syncfn.rewritten, pg_catalog.unnest(columns) c
WHERE table_name = $1 AND triggers_hash = $2
