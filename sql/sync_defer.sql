-- Foreign keys in a cycle among the synced tables: check them at commit.
SET CONSTRAINTS ALL DEFERRED
