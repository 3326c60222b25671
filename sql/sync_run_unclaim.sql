-- A claimed run that found its message synced meanwhile leaves no row.
DELETE FROM syncfn.runs WHERE id = $1::bigint AND status = 'running'
