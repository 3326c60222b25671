-- Same database: the target transaction is also the reading one, so it
-- needs the one snapshot for every table.
BEGIN ISOLATION LEVEL REPEATABLE READ
