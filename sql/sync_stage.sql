-- The staging table the source rows are copied into: the synced columns
-- with the target's types and no constraints; dropped at commit, so it
-- also works through a transaction-mode pooler.
CREATE TEMP TABLE {{stage}} ON COMMIT DROP AS
SELECT {{cols}} FROM {{tgt_only}} WITH NO DATA
