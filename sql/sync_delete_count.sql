-- A delete rule's guard, before anything is written: how many target rows
-- in scope have a key the source (in scope) lacks, and how many target
-- rows are in scope. {{from}} is the source's keys: the source table
-- itself in one database, else the keys copied to the target.
SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM {{from}} s WHERE {{join}})),
       count(*)
FROM {{tgt_scope}} d
