-- The merge of a stage that holds only rows the diff found new or
-- different, in a table whose columns have the same types on both sides:
-- there the diff's comparison (COPY text, or the checksum's row hashes)
-- is at least as strict as the merge's on every column, so each staged
-- row is missing on the target or differs from its row, and the lookup
-- that sync_merge_diff.sql makes before the insert would keep every one
-- (it costs a third of that statement). The same rows reach the INSERT
-- and its triggers; the ON CONFLICT guard still compares, so a row that
-- a concurrent session made equal meanwhile is left alone. Same counts.
WITH ins AS (
  INSERT INTO {{tgt}} AS t ({{cols}}) {{overriding}}
  SELECT {{s_cols}}
  FROM {{src}} s
  ON CONFLICT ({{key}}) {{action}}
  RETURNING (t.xmax = 0) AS inserted{{ret}}
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted){{rw}}
FROM ins
