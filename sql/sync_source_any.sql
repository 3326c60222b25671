-- Whether the source table has a row (an empty target loads all of them).
SELECT EXISTS (SELECT 1 FROM {{src}} s)
