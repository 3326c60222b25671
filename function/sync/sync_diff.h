/* sync_diff.h - finds the source rows a target lacks or holds differently
 * by reading both tables in key order and comparing the COPY text of each
 * pair of rows in the client, so that only those rows are staged and
 * merged: a re-sync of a table that changed little reads both sides once
 * and writes almost nothing on the target. */
#ifndef SYNCFN_SYNC_DIFF_H
#define SYNCFN_SYNC_DIFF_H

#include "sync_buf.h"
#include "sync_plan.h"

/* Target rows per COPY chunk; between chunks the target's connection is
 * free for the stage. */
#define SYNC_DIFF_CHUNK_ROWS 20000
/* Rows kept go to the stage at a chunk's end once there are this many
 * bytes of them ... */
#define SYNC_DIFF_FLUSH_BYTES (1u << 20)
/* ... and at once (cutting the chunk short) past this many. */
#define SYNC_DIFF_MAX_BYTES (4u << 20)
/* An insert-only table's keys the target lacks, kept until the source's
 * keys are read (about 500,000 keys); past this many the table reads
 * whole rows instead. */
#ifndef SYNC_DIFF_KEYS_MAX_BYTES
#define SYNC_DIFF_KEYS_MAX_BYTES (4u << 20)
#endif

struct sync_diff {
	struct sync_buf rows; /* COPY text of source rows not staged yet */
	long long staged;     /* rows found new or different, in total */
	long long read;       /* source rows read */
	/* Moves rows into the stage (the target's connection is idle when
	 * it is called) and empties it; the caller's, with its context. */
	enum sync_status (*flush)(void *ctx, struct sync_buf *rows, char *err,
	                          size_t errlen);
	/* Runs copy_out (a COPY ... TO STDOUT) on src straight into the
	 * stage, as flush does rows, and counts them in *rows; the caller's,
	 * with the same context. */
	enum sync_status (*stream)(void *ctx, struct sync_db *src,
	                           const char *copy_out, long long *rows,
	                           char *err, size_t errlen);
	void *ctx;
};

/* Whether t can be diffed: its key columns are integers on both sides,
 * so the client orders keys exactly as both servers' ORDER BY does. */
int sync_diff_possible(const struct sync_table *t);

/* Runs src_out (the source's rows in key order, COPY ... TO STDOUT) and
 * (an insert-only table of one key column, with d->stream: the keys of
 * both sides instead, then the source rows of the keys the target lacks,
 * through d->stream)
 * reads the target's rows of the same columns in key order, in chunks;
 * every source row whose line differs from the target's line of the same
 * key, or that has no such line, goes through d->flush (set by the caller
 * with d->ctx) to the stage, the last ones before this returns. A row is
 * skipped only when its text equals the target's byte for byte, so a
 * wrong guess can only stage too much, never miss a change. Two source
 * rows with one key fail the table. The caller frees d->rows. */
enum sync_status sync_diff_stream(struct sync_db *src, struct sync_db *tgt,
                                  const char *src_out,
                                  const struct sync_table *t,
                                  const struct sync_request *req,
                                  struct sync_diff *d, char *err,
                                  size_t errlen);

#endif
