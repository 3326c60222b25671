-- The source's keys in scope, copied to the target for a delete rule:
-- the target rows in scope whose key is not among them are deleted.
-- Typed as the target's key columns, as the stage is.
CREATE TEMP TABLE {{keys}} ON COMMIT DROP AS
SELECT {{key}} FROM {{tgt_only}} WITH NO DATA
