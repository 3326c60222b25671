-- The stage's key must be unique, as the source's should be: two source
-- rows with one key would otherwise take turns on the target, run after
-- run. Also gives the merge an index on the key.
CREATE UNIQUE INDEX ON {{stage}} ({{key}})
