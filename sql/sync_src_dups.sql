-- Whether the source holds a key more than once (same database, no unique
-- index on the source that rules it out): the merge's filter would let
-- through only the copy that differs, so every run would flip the row.
-- The key is taken as the target compares it (converted to its type, with
-- its collation): '1' and '01' into an integer key are one key.
SELECT EXISTS (
  SELECT 1 FROM {{src}} s GROUP BY {{s_key}} HAVING count(*) > 1)
