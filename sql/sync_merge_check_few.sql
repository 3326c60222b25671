-- sync_merge_check.sql for a stage of a few rows: each looked up by key,
-- as sync_merge_diff.sql does.
SELECT EXISTS (
  SELECT 1
  FROM {{src}} s
  LEFT JOIN LATERAL (SELECT * FROM {{tgt_only}} d WHERE {{join}} OFFSET 0) d
    ON true
  WHERE {{missing}} OR (({{d_cmp}}) IS DISTINCT FROM ({{s_cmp}}){{d_scope}}))
