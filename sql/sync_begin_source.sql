-- One snapshot for every table read from the source.
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY
