-- The earlier successful run of QStash message $1, if any.
SELECT id, statistics::text
FROM syncfn.runs
WHERE message_id = $1 AND status = 'ok'
ORDER BY id DESC
LIMIT 1
