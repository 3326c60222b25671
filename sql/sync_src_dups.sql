-- Whether the source holds a key more than once (same database, no unique
-- index on the source that rules it out): the merge's filter would let
-- through only the copy that differs, so every run would flip the row.
SELECT EXISTS (
  SELECT 1 FROM {{src}} s GROUP BY {{key}} HAVING count(*) > 1)
