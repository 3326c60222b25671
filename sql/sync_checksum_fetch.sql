-- The full source rows of the keys the checksum found new or different
-- ($1, a literal array of the source's own key type, so the key's index
-- serves the lookup).
SELECT {{cols}} FROM {{src}} WHERE {{key}} = ANY ($1::{{keytype}}[])
