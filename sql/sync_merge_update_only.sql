-- The merge of a table with a target-only column that an insert cannot
-- fill (NOT NULL, no default) when none of its rows is new: INSERT ... ON
-- CONFLICT checks NOT NULL on the row it proposes before it finds the
-- conflict, so the rows that differ are updated by a plain UPDATE (which
-- fires only the UPDATE triggers). Counts come back, not rows (and, as
-- in sync_merge.sql, the columns a BEFORE trigger rewrote).
WITH ins AS (
  UPDATE {{tgt_only}} AS d SET {{set_src}}
  FROM {{src}} s
  WHERE {{join}} AND ({{d_cmp}}) IS DISTINCT FROM ({{s_cmp}}){{d_scope}}
  RETURNING 1{{ret_d}}
)
SELECT 0, count(*){{rw}} FROM ins
