-- A delete rule: the target rows in scope whose key the source (in scope)
-- lacks.
DELETE FROM {{tgt_only}} AS d
WHERE NOT EXISTS (SELECT 1 FROM {{from}} s WHERE {{join}}){{d_scope}}
