-- The merge of a stage that holds only the rows the diff found new or
-- different (a few, against a large target): each is looked up by key
-- (OFFSET 0 keeps the lookup a nested loop on the key's index, where a
-- hash join would read the whole target), then inserted or updated as in
-- sync_merge.sql, with the same guard and the same counts.
WITH ins AS (
  INSERT INTO {{tgt}} AS t ({{cols}}) {{overriding}}
  SELECT {{s_cols}}
  FROM {{src}} s
  LEFT JOIN LATERAL (SELECT * FROM {{tgt_only}} d WHERE {{join}} OFFSET 0) d
    ON true
  WHERE {{missing}} OR (({{d_cmp}}) IS DISTINCT FROM ({{s_cmp}}){{d_scope}})
  ON CONFLICT ({{key}}) {{action}}
  RETURNING (t.xmax = 0) AS inserted{{ret}}
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted){{rw}}
FROM ins
