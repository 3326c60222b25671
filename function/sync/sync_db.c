/* sync_db.c - connections, cancellable statements, readable errors. */
#include "sync_db.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"

/* NOTICEs (e.g. "relation already exists, skipping") would otherwise be
 * printed on stderr by libpq. */
static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void name_database(struct sync_db *db, const char *url)
{
	const char *host = NULL, *dbname = NULL, *port = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0 && !host)
			host = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	snprintf(db->where, sizeof db->where, "(host %.120s%s%.10s, database "
	         "%.120s)", host ? host : "local socket", port ? ":" : "",
	         port ? port : "", dbname ? dbname : "default");
	snprintf(db->label, sizeof db->label, "the %s database %s", db->role,
	         db->where);
	PQconninfoFree(opts);
}

/* The first line of libpq's message, without its "connection to server
 * at ..." preamble when a reason follows. */
static void first_line(const char *msg, char *out, size_t len)
{
	const char *p = msg ? msg : "";
	const char *fatal = strstr(p, "FATAL:");
	if (fatal) {
		p = fatal + 6;
		while (*p == ' ')
			p++;
	} else {
		const char *failed = strstr(p, "failed: ");
		if (failed)
			p = failed + 8;
	}
	size_t n = strcspn(p, "\n");
	snprintf(out, len, "%.*s", (int)n, p);
}

enum sync_status sync_db_connect(struct sync_db *db, const char *role,
                                 const char *url, int connect_timeout_s,
                                 const atomic_int *cancel,
                                 char *err, size_t errlen)
{
	*db = (struct sync_db){ .role = role, .cancel = cancel };
	PQconninfoOption *check = PQconninfoParse(url, NULL);
	if (!check) {
		fn_err(err, errlen, "the %s database URL is not a valid "
		       "libpq connection string or URI", role);
		return SYNC_CONFIG;
	}
	PQconninfoFree(check);
	name_database(db, url);
	char timeout[16];
	snprintf(timeout, sizeof timeout, "%d",
	         connect_timeout_s > 0 ? connect_timeout_s
	                               : SYNC_CONNECT_TIMEOUT_S);
	/* defaults before the URL (its own values win), UTF8 after it */
	const char *keys[] = { "connect_timeout", "application_name", "dbname",
	                       "client_encoding", NULL };
	const char *vals[] = { timeout, "syncfn", url, "UTF8", NULL };
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (!db->conn) {
		fn_err(err, errlen, "%s: out of memory", db->label);
		return SYNC_FAILED;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		char why[300];
		first_line(PQerrorMessage(db->conn), why, sizeof why);
		fn_err(err, errlen, "could not connect to %s: %s", db->label,
		       why);
		sync_db_close(db);
		return SYNC_UNREACHABLE;
	}
	PQsetNoticeProcessor(db->conn, quiet_notices, NULL);
	return SYNC_OK;
}

void sync_db_close(struct sync_db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
}

int sync_db_ll(const PGresult *r, int row, int col, long long *v)
{
	if (!r || row >= PQntuples(r) || PQgetisnull(r, row, col))
		return 0;
	const char *s = PQgetvalue(r, row, col);
	char *end;
	*v = strtoll(s, &end, 10);
	return end != s && *end == '\0';
}

int sync_db_cancelled(struct sync_db *db)
{
	if (!db->cancel || !*db->cancel)
		return 0;
	if (!db->cancel_sent) {
		sync_db_cancel_statement(db);
		db->cancel_sent = 1;
	}
	return 1;
}

void sync_db_cancel_statement(struct sync_db *db)
{
	char buf[256];
	PGcancel *c = db->conn ? PQgetCancel(db->conn) : NULL;
	if (c) {
		PQcancel(c, buf, sizeof buf);
		PQfreeCancel(c);
	}
}

int sync_db_wait(struct sync_db *db)
{
	struct pollfd p = { .fd = PQsocket(db->conn), .events = POLLIN };
	if (p.fd < 0)
		return -1;
	if (poll(&p, 1, 100) < 0 && errno != EINTR)
		return -1;
	return 0; /* EINTR too: the caller looks at the flag and retries */
}

static const char *field(const PGresult *res, int code)
{
	const char *v = res ? PQresultErrorField(res, code) : NULL;
	return v ? v : "";
}

enum sync_status sync_db_error(struct sync_db *db, const PGresult *res,
                               const char *what, char *err, size_t errlen)
{
	const char *who = what ? what : db->label;
	db->sqlstate[0] = db->context[0] = db->detail[0] = '\0';
	db->constraint[0] = '\0';
	if (!res || !PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) {
		char why[300];
		first_line(PQerrorMessage(db->conn), why, sizeof why);
		if (PQstatus(db->conn) == CONNECTION_BAD) {
			fn_err(err, errlen, "lost the connection to %s: %s",
			       db->label, why);
			return SYNC_UNREACHABLE;
		}
		fn_err(err, errlen, "%s: %s", who, why);
		return SYNC_FAILED;
	}
	const char *state = field(res, PG_DIAG_SQLSTATE);
	snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state);
	snprintf(db->context, sizeof db->context, "%s",
	         field(res, PG_DIAG_CONTEXT));
	snprintf(db->constraint, sizeof db->constraint, "%s",
	         field(res, PG_DIAG_CONSTRAINT_NAME));
	const char *msg = field(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = field(res, PG_DIAG_MESSAGE_DETAIL);
	if (strcmp(state, "57014") == 0 && db->cancel_sent) {
		fn_err(err, errlen, "cancelled; nothing was applied");
		return SYNC_CANCELLED;
	}
	/* `what` may name the database already ("reading table t from
	 * the source database ..."): then it is not named twice */
	const char *on = strstr(who, db->label) ? "" : " on ";
	const char *label = *on ? db->label : "";
	if (strcmp(state, "57014") == 0) {
		fn_err(err, errlen, "%s%s%s: %s (SYNC_STATEMENT_TIMEOUT)",
		       who, on, label, msg);
		return SYNC_FAILED;
	}
	if (strcmp(state, "55P03") == 0) {
		fn_err(err, errlen, "%s%s%s: %s (another session holds a "
		       "lock; SYNC_LOCK_TIMEOUT)", who, on, label, msg);
		return SYNC_FAILED;
	}
	if (strcmp(state, "3F000") == 0) {
		fn_err(err, errlen, "%s: %s", db->label, msg);
		return SYNC_CONFIG;
	}
	snprintf(db->detail, sizeof db->detail, "%s", detail);
	fn_err(err, errlen, "%s: %s", who, msg);
	return SYNC_FAILED;
}

/* The extended protocol runs one statement only, so a quoted identifier
 * that somehow ended its statement could not run SQL of its own. */
static int send_query(struct sync_db *db, const char *sql, int nparams,
                      const char *const *params, int script)
{
	if (script)
		return PQsendQuery(db->conn, sql);
	return PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL,
	                         NULL, 0);
}

static enum sync_status exec(struct sync_db *db, const char *sql, int nparams,
                             const char *const *params, int script,
                             PGresult **res, const char *what, char *err,
                             size_t errlen)
{
	*res = NULL;
	if (!send_query(db, sql, nparams, params, script))
		return sync_db_error(db, NULL, what, err, errlen);
	PGresult *last = NULL, *bad = NULL;
	for (;;) {
		while (PQisBusy(db->conn)) {
			sync_db_cancelled(db);
			if (sync_db_wait(db) < 0 || !PQconsumeInput(db->conn))
				break;
		}
		PGresult *r = PQgetResult(db->conn);
		if (!r)
			break;
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) {
			PQclear(last);
			last = r;
			break;
		}
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
		    st == PGRES_EMPTY_QUERY) {
			PQclear(last);
			last = r;
		} else if (!bad) {
			bad = r;
		} else {
			PQclear(r);
		}
		if (PQstatus(db->conn) == CONNECTION_BAD)
			break;
	}
	if (bad || !last) {
		enum sync_status st = sync_db_error(db, bad, what, err, errlen);
		if (!bad && db->cancel_sent)
			st = SYNC_CANCELLED;
		PQclear(bad);
		PQclear(last);
		return st;
	}
	*res = last;
	return SYNC_OK;
}

enum sync_status sync_db_exec(struct sync_db *db, const char *sql, int nparams,
                              const char *const *params, PGresult **res,
                              const char *what, char *err, size_t errlen)
{
	return exec(db, sql, nparams, params, 0, res, what, err, errlen);
}

enum sync_status sync_db_script(struct sync_db *db, const char *sql,
                                const char *what, char *err, size_t errlen)
{
	PGresult *res;
	enum sync_status st = exec(db, sql, 0, NULL, 1, &res, what, err,
	                           errlen);
	PQclear(res);
	return st;
}

enum sync_status sync_db_run(struct sync_db *db, const char *sql, int nparams,
                             const char *const *params, const char *what,
                             char *err, size_t errlen)
{
	PGresult *res;
	enum sync_status st = sync_db_exec(db, sql, nparams, params, &res,
	                                   what, err, errlen);
	PQclear(res);
	return st;
}

char *sync_db_ident(struct sync_db *db, const char *name)
{
	char *q = PQescapeIdentifier(db->conn, name, strlen(name));
	if (!q)
		return NULL;
	char *copy = strdup(q);
	PQfreemem(q);
	return copy;
}
