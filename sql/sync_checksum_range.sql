-- Integer keys: the key's range on one side, so that both sides can cut
-- it into the same value ranges (index scans when the key has an index).
SELECT min({{key}})::text, max({{key}})::text FROM {{tbl}} syncfn_ck_t
