-- The merge for a partitioned target, where RETURNING cannot read xmax:
-- the changed rows are set apart first (only those), each marked by
-- whether the target lacked it, and counted from there.
WITH diff AS MATERIALIZED (
  SELECT {{s_cols_as}}, {{missing}} AS syncfn_missing
  FROM {{src}} s
  LEFT JOIN {{tgt_only}} d ON {{join}}
  WHERE {{missing}} OR ({{d_cmp}}) IS DISTINCT FROM ({{s_cmp}})
), ins AS (
  INSERT INTO {{tgt}} AS t ({{cols}}) {{overriding}}
  SELECT {{cols}} FROM diff
  ON CONFLICT ({{key}}) {{action}}
  RETURNING 1
)
SELECT count(*) FILTER (WHERE syncfn_missing),
       (SELECT count(*) FROM ins) - count(*) FILTER (WHERE syncfn_missing)
FROM diff
