-- The target's rows in key order, one chunk of at most "limit" rows
-- after key "after" (the first chunk: "first" is true), read by
-- the key's index. Chunks free the connection now and then, so the rows
-- found different can go into the stage before they pile up in memory.
COPY (SELECT {{cols}} FROM {{tgt_scope}} d
      WHERE {{first}} OR ({{key}}) > ({{after}})
      ORDER BY {{key}} LIMIT {{limit}}) TO STDOUT
