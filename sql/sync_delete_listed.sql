-- A delete rule on the checksum path: the target rows in scope whose keys
-- the checksum found on the target alone ({{keys}}, typed as the target's
-- key), the source's rows in scope compared segment by segment.
DELETE FROM {{tgt_only}} AS d
WHERE EXISTS (SELECT 1 FROM {{keys}} s WHERE {{join}}){{d_scope}}
