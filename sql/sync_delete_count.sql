-- A delete rule's guard, before anything is written: how many target rows
-- in scope have a key the source (in scope) lacks, and how many target
-- rows are in scope. {{from}} is the source's keys: the source table
-- itself in one database, else the keys copied to the target. Two
-- scans, so the first is an anti join: a NOT EXISTS inside an aggregate's
-- FILTER is a subplan run for every target row, which reads the whole
-- key list each time (10,000 rows: 4 s; 100,000: over 5 minutes).
SELECT (SELECT count(*) FROM {{tgt_scope}} d
        WHERE NOT EXISTS (SELECT 1 FROM {{from}} s WHERE {{join}})),
       (SELECT count(*) FROM {{tgt_scope}} d)
