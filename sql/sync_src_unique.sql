-- Whether source table $1 has a valid, non-partial unique index on plain
-- columns that are all among the key columns $2 (names): then it cannot
-- hold two rows with the same key, and no check of its rows is needed.
SELECT EXISTS (
  SELECT 1
  FROM pg_catalog.pg_index i
  WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid
    AND i.indpred IS NULL AND i.indexprs IS NULL
    AND NOT EXISTS (
      SELECT 1
      FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE k.ord <= i.indnkeyatts AND a.attname <> ALL ($2::text[])))
