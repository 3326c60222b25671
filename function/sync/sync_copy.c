/* sync_copy.c - streams COPY data from the source into the target.
 *
 * libpq hands out one row per PQgetCopyData call; each goes to
 * PQputCopyData as is (libpq batches the writes in 8 KB packets), so
 * nothing is parsed here and memory stays at one row whatever the table
 * size. The source is read asynchronously so the cancel flag is seen
 * within 100 ms even when the source is slow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sync_meter.h"
#include "sync_table.h"

#define PROGRESS_EVERY 65536
#define PUT_PIECE 65536

/* Ends the target's COPY (with an error message to abort it, or NULL to
 * finish) and returns its final status. */
static enum sync_status end_copy_in(struct sync_db *tgt, const char *abort_msg,
                                    const char *what, char *err, size_t errlen)
{
	enum sync_status st = SYNC_OK;
	if (PQputCopyEnd(tgt->conn, abort_msg) != 1)
		return sync_db_error(tgt, NULL, what, err, errlen);
	PGresult *r;
	while ((r = PQgetResult(tgt->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && st == SYNC_OK &&
		    !abort_msg)
			st = sync_db_error(tgt, r, what, err, errlen);
		PQclear(r);
	}
	return st;
}

/* Reads what is left of the source's COPY (after an error or cancel),
 * then its final result. */
static enum sync_status drain_source(struct sync_db *src, int in_copy,
                                     const char *what, char *err,
                                     size_t errlen)
{
	char *buf;
	int n = -1;
	while (in_copy && (n = PQgetCopyData(src->conn, &buf, 0)) > 0)
		PQfreemem(buf);
	enum sync_status st = SYNC_OK;
	PGresult *r;
	while ((r = PQgetResult(src->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && st == SYNC_OK)
			st = sync_db_error(src, r, what, err, errlen);
		PQclear(r);
	}
	if (st == SYNC_OK && n == -2)
		st = sync_db_error(src, NULL, what, err, errlen);
	return st;
}

static void progress(const struct sync_request *req, const struct sync_table *t,
                     long long rows)
{
	if (req->progress)
		req->progress(req->progress_ctx, t->label, rows, t->estimate);
}

/* Sends buf to the target's COPY in pieces: libpq would otherwise copy
 * all of it into its own buffer at once. */
static enum sync_status put_buffer(struct sync_db *tgt, const char *buf,
                                   size_t len, const char *what, char *err,
                                   size_t errlen)
{
	for (size_t off = 0; off < len; off += PUT_PIECE) {
		size_t n = len - off < PUT_PIECE ? len - off : PUT_PIECE;
		if (PQputCopyData(tgt->conn, buf + off, (int)n) != 1)
			return sync_db_error(tgt, NULL, what, err, errlen);
	}
	return SYNC_OK;
}

enum sync_status sync_row_too_large(const struct sync_table *t, long long n,
                                    char *err, size_t errlen)
{
	fn_err(err, errlen, "table %s: a row of the source is %lld MB as COPY "
	       "text, over the %d MB one row may take (memory grows with the "
	       "largest row, about three times its size); nothing was "
	       "applied: sync this table another way, or leave it out with "
	       "SYNC_EXCLUDE", t->label, (n + (1 << 20) - 1) >> 20,
	       SYNC_ROW_MAX_BYTES >> 20);
	return SYNC_FAILED;
}

enum sync_status sync_copy_rows(struct sync_db *tgt, const char *copy_in,
                                const char *rows, size_t len,
                                const struct sync_table *t, char *err,
                                size_t errlen)
{
	char what_tgt[800];
	snprintf(what_tgt, sizeof what_tgt, "copying into table %s on %s",
	         t->label, tgt->label);
	enum sync_status st = sync_db_run(tgt, copy_in, 0, NULL, what_tgt, err, errlen);
	if (st == SYNC_OK)
		st = put_buffer(tgt, rows, len, what_tgt, err, errlen);
	if (st != SYNC_OK) {
		end_copy_in(tgt, "failed", what_tgt, NULL, 0);
		return st;
	}
	return end_copy_in(tgt, NULL, what_tgt, err, errlen);
}

/* The rows of a started COPY pair, buffer by buffer, to the end. */
static enum sync_status copy_loop(struct sync_db *src, struct sync_db *tgt,
                                  const struct sync_table *t,
                                  const struct sync_request *req,
                                  long long *rows, const char *what_src,
                                  const char *what_tgt, char *err,
                                  size_t errlen)
{
	enum sync_status st;
	for (;;) {
		char *buf = NULL;
		int n = PQgetCopyData(src->conn, &buf, 1);
		if (n > SYNC_ROW_MAX_BYTES) {
			PQfreemem(buf);
			sync_db_cancel_statement(src);
			drain_source(src, 1, what_src, NULL, 0);
			end_copy_in(tgt, "row too large", what_tgt, NULL, 0);
			return sync_row_too_large(t, n, err, errlen);
		}
		if (n > 0) {
			/* in pieces: libpq would copy a large row whole */
			st = put_buffer(tgt, buf, (size_t)n, what_tgt, err,
			                errlen);
			PQfreemem(buf);
			if (st != SYNC_OK) {
				sync_db_cancel_statement(src);
				drain_source(src, 1, what_src, NULL, 0);
				return st;
			}
			sync_meter_rows(src->meter, 1);
			if (++*rows % PROGRESS_EVERY == 0) {
				progress(req, t, *rows);
				if (sync_db_cancelled(src))
					break;
			}
			continue;
		}
		if (n == 0) {
			if (sync_db_cancelled(src))
				break;
			if (sync_db_wait(src) < 0 || !PQconsumeInput(src->conn))
				n = -2;
			else
				continue;
		}
		if (n == -1) { /* done: the source's final result follows */
			st = drain_source(src, 0, what_src, err, errlen);
			if (st != SYNC_OK) {
				end_copy_in(tgt, "source failed", what_tgt,
				            NULL, 0);
				return st;
			}
			progress(req, t, *rows);
			return end_copy_in(tgt, NULL, what_tgt, err, errlen);
		}
		/* n == -2: the source failed */
		st = drain_source(src, 0, what_src, err, errlen);
		if (st == SYNC_OK)
			st = sync_db_error(src, NULL, what_src, err, errlen);
		end_copy_in(tgt, "source failed", what_tgt, NULL, 0);
		return st;
	}
	/* cancelled: the source was asked to stop; abort the target's COPY */
	drain_source(src, 1, what_src, NULL, 0);
	end_copy_in(tgt, "cancelled", what_tgt, NULL, 0);
	fn_err(err, errlen, "cancelled; nothing was applied");
	return SYNC_CANCELLED;
}

enum sync_status sync_copy_stream(struct sync_db *src, struct sync_db *tgt,
                                  const char *copy_out, const char *copy_in,
                                  const struct sync_table *t,
                                  const struct sync_request *req,
                                  long long *rows, char *err, size_t errlen)
{
	char what_src[800], what_tgt[800];
	snprintf(what_src, sizeof what_src, "reading table %s from %s",
	         t->src_label, src->label);
	snprintf(what_tgt, sizeof what_tgt, "copying into table %s on %s",
	         t->label, tgt->label);
	*rows = 0;
	enum sync_status st = sync_db_run(tgt, copy_in, 0, NULL, what_tgt, err, errlen);
	if (st != SYNC_OK)
		return st;
	st = sync_db_run(src, copy_out, 0, NULL, what_src, err, errlen);
	if (st != SYNC_OK) {
		end_copy_in(tgt, "source failed", what_tgt, NULL, 0);
		return st;
	}
	progress(req, t, 0);
	sync_meter_phase(src->meter, "copy");
	st = copy_loop(src, tgt, t, req, rows, what_src, what_tgt, err, errlen);
	sync_meter_phase(src->meter, NULL);
	return st;
}
