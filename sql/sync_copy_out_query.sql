-- A partitioned table, or one whose synced columns include a generated
-- one, can only be read through a query.
COPY (SELECT {{cols}} FROM {{src}} s) TO STDOUT
