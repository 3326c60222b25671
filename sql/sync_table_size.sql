-- The bytes a table's rows take on disk ($1, an oid), its partitions
-- included (a partitioned parent holds none itself). Compared between the
-- two sides to tell a target that holds few of the source's rows: known
-- whether or not anyone ever analyzed the tables, and cheap (file sizes,
-- no scan).
SELECT (pg_catalog.pg_relation_size($1::oid)
        + coalesce((SELECT sum(pg_catalog.pg_relation_size(p.relid))
                    FROM pg_catalog.pg_partition_tree($1::oid) p
                    WHERE p.relid <> $1::oid), 0))::bigint
