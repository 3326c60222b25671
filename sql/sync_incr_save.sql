-- A table's watermark, in the run's own transaction: kept only if the run
-- commits. $1 table, $2 hash of its rule and columns, $3 watermark (NULL:
-- none), $4 whether this run was full (then its time is the last full
-- run's).
INSERT INTO syncfn.watermarks AS w (table_name, rule_hash, watermark, full_at)
VALUES ($1, $2, $3, pg_catalog.now())
ON CONFLICT (table_name) DO UPDATE
SET rule_hash = excluded.rule_hash, watermark = excluded.watermark,
    full_at = CASE WHEN $4::boolean THEN excluded.full_at ELSE w.full_at END
