/* sync_table.h - moves and merges the rows of one planned table, inside
 * the run's transactions, and advances its sequences. */
#ifndef SYNCFN_SYNC_TABLE_H
#define SYNCFN_SYNC_TABLE_H

#include "sync_plan.h"

/* The most one row may take as COPY text between two databases. Memory
 * is flat in the number of rows but not in the size of a value: a row is
 * held whole, about three times over (libpq's buffer, its copy, the
 * stage's batch), so a bound gives a clear error where a huge value would
 * otherwise get the process killed on a small machine. */
#define SYNC_ROW_MAX_BYTES (32 * 1024 * 1024)

/* The error for a row over SYNC_ROW_MAX_BYTES; SYNC_FAILED. */
enum sync_status sync_row_too_large(const struct sync_table *t, long long n,
                                    char *err, size_t errlen);

/* Syncs table t (the index-th of the plan; it names the stage table).
 * same: src and tgt are one connection (server-side INSERT ... SELECT);
 * otherwise the rows stream by COPY into a stage (or straight into an
 * empty target) and are merged from there. Fills t's statistics. */
enum sync_status sync_table_run(struct sync_table *t, int index,
                                struct sync_db *src, struct sync_db *tgt,
                                int same, const struct sync_request *req,
                                char *err, size_t errlen);

/* For a delete rule between two databases, before any table is written:
 * when t takes the checksum, compares it now, keeping the keys of its
 * target-only rows (t->del: to_keys, keys_all, tgt_rows) and staging
 * the rows to fetch; sync_table_run then only merges them
 * (t->del.pre_diffed). An empty target sets t->del.keys_all with no key;
 * another path leaves t as it was. */
enum sync_status sync_table_diff_first(struct sync_table *t, int index,
                                       struct sync_db *src,
                                       struct sync_db *tgt,
                                       const struct sync_request *req,
                                       char *err, size_t errlen);

/* Moves every owned sequence of t's synced columns forward to the
 * column's maximum (never backwards), after checking that the sequence's
 * MAXVALUE allows it. setval is not transactional, so the run calls this
 * last; a dry run (dry_run) only checks, so that it fails where the real
 * run would. */
enum sync_status sync_table_sequences(struct sync_table *t, struct sync_db *tgt,
                                      int dry_run, char *err, size_t errlen);

/* Forwards COPY data from src (copy_out, a COPY ... TO STDOUT) into tgt
 * (copy_in, a COPY ... FROM STDIN) buffer by buffer, untouched; reports
 * progress; *rows is the number of rows moved. */
enum sync_status sync_copy_stream(struct sync_db *src, struct sync_db *tgt,
                                  const char *copy_out, const char *copy_in,
                                  const struct sync_table *t,
                                  const struct sync_request *req,
                                  long long *rows, char *err, size_t errlen);

/* Runs copy_in (a COPY ... FROM STDIN) on tgt with rows (len bytes of
 * COPY text, whole rows) as its data. */
enum sync_status sync_copy_rows(struct sync_db *tgt, const char *copy_in,
                                const char *rows, size_t len,
                                const struct sync_table *t, char *err,
                                size_t errlen);

#endif
