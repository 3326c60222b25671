-- Whether the merge has anything to write (the merge's own filter, read
-- only): a table with nothing new or changed gets no INSERT statement at
-- all, so a re-sync with no change fires none of its statement triggers.
SELECT EXISTS (
  SELECT 1
  FROM {{src}} s
  LEFT JOIN {{tgt_only}} d ON {{join}}
  WHERE {{missing}} OR (({{d_cmp}}) IS DISTINCT FROM ({{s_cmp}}){{d_scope}}))
