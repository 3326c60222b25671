-- A partitioned table can only be read through a query.
COPY (SELECT {{cols}} FROM {{src}}) TO STDOUT
