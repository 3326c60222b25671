-- Source rows compared (same database: the merge reads them server-side).
SELECT count(*) FROM {{src}} s
