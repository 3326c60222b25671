/* sync_checksum_io.c - statements in flight on both connections at once:
 * sent on each, then read from each, so that both servers compute in
 * parallel. Unnamed statements only (PQsendQueryParams), as everywhere
 * in the engine, so poolers in transaction mode keep working. */
#include <stdio.h>

#include "fn_log.h"
#include "sync_checksum_parts.h"
#include "sync_meter.h"

enum sync_status ck_send(struct ck_query *q, const char *sql, int nparams,
                         const char *const *params, int packed, char *err,
                         size_t errlen)
{
	if (!PQsendQueryParams(q->db->conn, sql, nparams, NULL, params, NULL,
	                       NULL, packed ? 1 : 0))
		return sync_db_error(q->db, NULL, q->what, err, errlen);
	q->active = 1;
	if (packed && !PQsetSingleRowMode(q->db->conn)) {
		ck_drain(q);
		fn_err(err, errlen, "%s: could not read rows one by one",
		       q->what);
		return SYNC_FAILED;
	}
	return SYNC_OK;
}

/* Waits until a result can be taken without blocking, watching the
 * cancel flag (a cancelled statement ends in an error result). */
static int ready(struct ck_query *q)
{
	while (PQisBusy(q->db->conn)) {
		sync_db_cancelled(q->db);
		if (sync_db_wait(q->db) < 0 || !PQconsumeInput(q->db->conn))
			return 0;
	}
	return 1;
}

enum sync_status ck_next(struct ck_query *q, PGresult **res, char *err,
                         size_t errlen)
{
	*res = NULL;
	while (q->active) {
		if (!ready(q)) {
			q->active = 0;
			return sync_db_error(q->db, NULL, q->what, err, errlen);
		}
		PGresult *r = PQgetResult(q->db->conn);
		if (!r) {
			q->active = 0;
			break;
		}
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_SINGLE_TUPLE ||
		    (st == PGRES_TUPLES_OK && PQntuples(r) > 0)) {
			/* rows that arrive without a wait still see the clock */
			sync_meter_tick(q->db->meter);
			*res = r;
			return SYNC_OK;
		}
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			PQclear(r);
			continue;
		}
		enum sync_status bad = sync_db_error(q->db, r, q->what, err,
		                                     errlen);
		PQclear(r);
		ck_drain(q);
		return bad;
	}
	return SYNC_OK;
}

enum sync_status ck_each_row(struct ck_query *q,
                             int (*take)(const PGresult *r, void *ctx),
                             void *ctx, const char *table,
                             const char *answer, char *err, size_t errlen)
{
	PGresult *r;
	enum sync_status st;
	while ((st = ck_next(q, &r, err, errlen)) == SYNC_OK && r) {
		int bad = take(r, ctx);
		PQclear(r);
		if (bad) {
			fn_err(err, errlen, "table %s: malformed %s from %s", table,
			       answer, q->db->label);
			return SYNC_FAILED;
		}
	}
	return st;
}

void ck_drain(struct ck_query *q)
{
	PGresult *r;
	if (!q->active)
		return;
	while (q->db->conn && (r = PQgetResult(q->db->conn)))
		PQclear(r);
	q->active = 0;
}

uint64_t ck_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}
