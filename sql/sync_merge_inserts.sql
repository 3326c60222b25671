-- Whether the merge would insert a row: a source row (or staged row)
-- whose key the target lacks. Asked, read only, before the merge of a
-- table with a target-only column that an insert cannot fill.
SELECT EXISTS (
  SELECT 1
  FROM {{src}} s
  WHERE NOT EXISTS (SELECT 1 FROM {{tgt_only}} d WHERE {{join}}))
