-- The columns of the key rows are matched on in table $1: the primary key,
-- else the narrowest valid, immediate, non-partial unique index on plain
-- columns that are all NOT NULL (what ON CONFLICT can use as its arbiter).
-- A column the index lists twice ((a, a)) is one key column, at its first
-- place. The second column names the index (for errors that name it).
WITH idx AS (
  SELECT i.indexrelid, i.indkey::int2[] AS keys, i.indnkeyatts
  FROM pg_catalog.pg_index i
  WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid
    AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL
    AND NOT EXISTS (
      SELECT 1
      FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE k.ord <= i.indnkeyatts AND NOT a.attnotnull)
  ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid
  LIMIT 1
)
SELECT a.attname, ic.relname
FROM idx
JOIN pg_catalog.pg_class ic ON ic.oid = idx.indexrelid
CROSS JOIN LATERAL (
  SELECT k.attnum, pg_catalog.min(k.ord) AS ord
  FROM pg_catalog.unnest(idx.keys) WITH ORDINALITY k(attnum, ord)
  WHERE k.ord <= idx.indnkeyatts
  GROUP BY k.attnum
) k
JOIN pg_catalog.pg_attribute a ON a.attrelid = $1::oid AND a.attnum = k.attnum
ORDER BY k.ord
