-- One table's merge: inserts the source rows that the target lacks and
-- updates the ones whose compared columns differ, in one statement. The
-- LEFT JOIN (a hash join after ANALYZE) keeps unchanged rows out of the
-- INSERT entirely; the ON CONFLICT guard repeats the comparison on the
-- coerced values so that a row is never rewritten unless it changed, and
-- catches rows a concurrent session added. Counts come back, not rows;
-- for a target with BEFORE row triggers (ret and rw, sync_fire.h), also
-- the compared columns whose written value differs from the source's.
WITH ins AS (
  INSERT INTO {{tgt}} AS t ({{cols}}) {{overriding}}
  SELECT {{s_cols}}
  FROM {{src}} s
  LEFT JOIN {{tgt_only}} d ON {{join}}
  WHERE {{missing}} OR (({{d_cmp}}) IS DISTINCT FROM ({{s_cmp}}){{d_scope}})
  ON CONFLICT ({{key}}) {{action}}
  RETURNING (t.xmax = 0) AS inserted{{ret}}
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted){{rw}}
FROM ins
