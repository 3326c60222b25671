-- The merge for a partitioned target, where RETURNING cannot read xmax:
-- the changed rows are set apart first (only those), each marked by
-- whether the target lacked it, and counted from there. The set's
-- columns are named by position (c1, c2, ..., m), so no name of the
-- user's can be mistaken for them.
WITH diff ({{diff_cols}}, m) AS MATERIALIZED (
  SELECT {{s_cols}}, {{missing}}
  FROM {{src}} s
  LEFT JOIN {{tgt_only}} d ON {{join}}
  WHERE {{missing}} OR (({{d_cmp}}) IS DISTINCT FROM ({{s_cmp}}){{d_scope}})
), ins AS (
  INSERT INTO {{tgt}} AS t ({{cols}}) {{overriding}}
  SELECT {{diff_cols}} FROM diff
  ON CONFLICT ({{key}}) {{action}}
  RETURNING 1{{ret}}
)
SELECT count(*) FILTER (WHERE diff.m),
       (SELECT count(*) FROM ins) - count(*) FILTER (WHERE diff.m){{rw}}
FROM diff
