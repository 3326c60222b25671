-- Whether the source holds a row whose key is NULL: no segment and no key
-- text would stand for it, and the target's key cannot take it (the other
-- paths fail on it in the merge). An index answers it at once.
SELECT EXISTS (SELECT 1 FROM {{src}} s WHERE {{key}} IS NULL)
