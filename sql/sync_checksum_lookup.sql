-- The hashes of given rows of one side ($1, integer keys as an int8[]):
-- the rows whose keys the other side lacks and the rows both sides hold
-- whose slots' hints differ, so the client can take them out of their
-- segments' aggregates and compare the rest of the rows. Packed as 16
-- bytes a row (key int8, hash int8), in rows of at most 256 keys that the
-- client reads one by one; the key's index finds each row.
SELECT string_agg(int8send(({{key}})::int8) || int8send({{rowhash}}), ''::bytea)
FROM {{tbl}} syncfn_ck_t WHERE {{key}} = ANY ($1::int8[])
GROUP BY ({{key}})::int8 >> 8
