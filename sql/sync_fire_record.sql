-- Records the columns ($3, a JSON array of names) that the triggers of
-- table $1, with hash $2, rewrote: in the run's transaction, so a run
-- rolled back (a dry run too) records nothing. Columns recorded under
-- other triggers are forgotten.
INSERT INTO syncfn.rewritten AS r (table_name, triggers_hash, columns, found_at)
VALUES ($1, $2, ARRAY(SELECT pg_catalog.jsonb_array_elements_text($3::jsonb)),
        pg_catalog.now())
ON CONFLICT (table_name) DO UPDATE
SET triggers_hash = excluded.triggers_hash,
    columns = CASE WHEN r.triggers_hash = excluded.triggers_hash
                   THEN ARRAY(SELECT DISTINCT c FROM pg_catalog.unnest(
                                r.columns || excluded.columns) c ORDER BY c)
                   ELSE excluded.columns END,
    found_at = excluded.found_at
