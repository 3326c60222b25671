-- The first half of the merge of a stage of a few rows into a table that
-- has no trigger of the user's, no row level security and no partitions,
-- keyed by columns of one type on both sides with exact equality (so no
-- two staged rows can find one target row): the rows the target has and
-- that differ are updated in place, by key. A plain UPDATE probes the
-- key's index once per row and writes; INSERT ... ON CONFLICT probes,
-- proposes the insert (evaluating the defaults of the columns it does
-- not name: a target-only serial's sequence advances for every updated
-- row), probes again and locks before it writes. The writes dominate
-- both: at 10,000 changed rows of a million the UPDATE took 5-10% less
-- on an idle machine, up to 40% less under CPU contention. The statement counts the rows it
-- updated and the rows staged; only when some staged row was not
-- updated (new, unchanged, or changed meanwhile by another session) does
-- the merge itself run, and it then finds the updated rows equal. The
-- planner is told to take the nested loop the merge's LATERAL lookup
-- takes (sync_merge_plan_nested.sql), where a hash join would read the
-- whole target.
WITH upd AS (
  UPDATE {{tgt_only}} AS d SET {{set_src}}
  FROM {{src}} s
  WHERE {{join}} AND ({{d_cmp}}) IS DISTINCT FROM ({{s_cmp}}){{d_scope}}
  RETURNING 1
)
SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM {{src}} s)
