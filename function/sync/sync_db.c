/* sync_db.c - connections, cancellable statements, readable errors. */
#include "sync_db.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sync_meter.h"

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
	snprintf(db->label, sizeof db->label, "the %s database", db->role);
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

/* shared by the run's connections, the source's made on a thread of its
 * own (sync_connect.h): atomic */
static atomic_ulong error_seq;

/* The full text of an error, for the run log and the local log. */
static void keep_detail(struct sync_db *db, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void keep_detail(struct sync_db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->detail, sizeof db->detail, fmt, ap);
	va_end(ap);
	for (char *p = db->detail; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	db->err_seq = atomic_fetch_add(&error_seq, 1) + 1;
}

static const char *url_variable(const struct sync_db *db)
{
	return strcmp(db->role, "source") == 0 ? "SOURCE_DATABASE_URL"
	                                       : "TARGET_DATABASE_URL";
}

/* A server's refusal that no retry can change: the role, its
 * password, pg_hba.conf, the database's name or the CONNECT privilege.
 * libpq gives no SQLSTATE for a failed connection, so it is read from
 * the server's message (in English, PostgreSQL's lc_messages default; a
 * server that answers in another language is reported unreachable). */
static const char *refusal_code(const char *reason)
{
	static const struct { const char *needle, *code; } refusals[] = {
		{ "password authentication failed", "28P01" },
		{ "no password supplied", "28P01" },
		{ "no pg_hba.conf entry", "28000" },
		{ "pg_hba.conf rejects", "28000" },
		{ "authentication failed for user", "28000" },
		{ "is not permitted to log in", "28000" },
		{ "Tenant or user not found", "28000" }, /* Supavisor */
		{ "permission denied for database", "42501" },
	};
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
		if (strstr(reason, refusals[i].needle))
			return refusals[i].code;
	if (strstr(reason, " does not exist")) {
		if (strncmp(reason, "role \"", 6) == 0)
			return "28000";
		if (strncmp(reason, "database \"", 10) == 0)
			return "3D000";
	}
	return NULL;
}

/* libpq's reason for a connection that failed, as a fixed phrase that
 * quotes nothing (its own text names hosts, ports and roles). */
static const char *reason_phrase(const char *reason)
{
	static const struct { const char *needle, *phrase; } reasons[] = {
		{ "Connection refused", "connection refused (nothing listens "
		  "at its host and port)" },
		{ "could not translate host name", "its host name does not "
		  "resolve" },
		{ "timeout expired", "no answer within the connect timeout" },
		{ "No route to host", "its host is unreachable" },
		{ "Network is unreachable", "its network is unreachable" },
		{ "No such file or directory", "no server at its Unix socket" },
		{ "server closed the connection", "the server closed the "
		  "connection" },
		{ "starting up", "the server is starting up" },
		{ "shutting down", "the server is shutting down" },
		{ "in recovery mode", "the server is in recovery" },
		{ "connection slots", "the server has no connection slots "
		  "left" },
		{ "too many connections", "the server has no connection slots "
		  "left" },
		{ "SSL", "TLS failed (sslmode, certificates)" },
		{ "certificate", "TLS failed (sslmode, certificates)" },
		{ "out of memory", "out of memory" },
	};
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (strstr(reason, reasons[i].needle))
			return reasons[i].phrase;
	return "see the local log for libpq's reason";
}

static enum sync_status connect_failed(struct sync_db *db, char *err,
                                       size_t errlen)
{
	char why[400];
	first_line(PQerrorMessage(db->conn), why, sizeof why);
	keep_detail(db, "could not connect to %s %s: %s", db->label, db->where,
	            why);
	const char *code = refusal_code(why);
	const char *var = url_variable(db);
	if (!code) {
		fn_err(err, errlen, "could not connect to %s: %s (its host, "
		       "port and libpq's message are in the local log)",
		       db->label, reason_phrase(why));
		return SYNC_UNREACHABLE;
	}
	snprintf(db->sqlstate, sizeof db->sqlstate, "%s", code);
	if (strcmp(code, "3D000") == 0)
		fn_err(err, errlen, "%s does not exist on its server (PostgreSQL "
		       "3D000 invalid_catalog_name): fix the database name in %s",
		       db->label, var);
	else if (strcmp(code, "42501") == 0)
		fn_err(err, errlen, "the role in %s may not connect to %s "
		       "(PostgreSQL 42501 insufficient_privilege): GRANT CONNECT "
		       "ON DATABASE to it, or use another role", var, db->label);
	else if (strcmp(code, "28P01") == 0)
		fn_err(err, errlen, "%s refused the user name or password "
		       "(PostgreSQL 28P01 invalid_password): fix them in %s "
		       "(percent-encode '@' as %%40, '/' as %%2F, '%%' as %%25)",
		       db->label, var);
	else
		fn_err(err, errlen, "%s refused the role (PostgreSQL 28000 "
		       "invalid_authorization_specification: it does not exist, "
		       "may not log in, or pg_hba.conf refuses it): fix the user "
		       "in %s, or the server's pg_hba.conf", db->label, var);
	return SYNC_CONFIG;
}

/* The parameter name libpq's parse error quotes when the URL names one
 * it does not know (?sslmod=require): the name only, and only when it
 * looks like a keyword, never the rest of the message, which for other
 * errors may quote the URL with its password. */
static int unknown_parameter(const char *why, char *name, size_t len)
{
	static const char *const leads[] = { "invalid URI query parameter: \"",
	                                     "invalid connection option \"" };
	for (size_t i = 0; why && i < sizeof leads / sizeof leads[0]; i++) {
		size_t n = strlen(leads[i]);
		if (strncmp(why, leads[i], n) != 0)
			continue;
		const char *p = why + n;
		size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
		if (k == 0 || k >= len || p[k] != '"')
			return 0;
		memcpy(name, p, k);
		name[k] = '\0';
		return 1;
	}
	return 0;
}

enum sync_status sync_db_connect(struct sync_db *db, const char *role,
                                 const char *url, int connect_timeout_s,
                                 const atomic_int *cancel,
                                 char *err, size_t errlen)
{
	*db = (struct sync_db){ .role = role, .cancel = cancel };
	snprintf(db->label, sizeof db->label, "the %s database", role);
	char *why = NULL;
	PQconninfoOption *check = PQconninfoParse(url, &why);
	if (!check) {
		char name[48];
		if (unknown_parameter(why, name, sizeof name))
			fn_err(err, errlen, "the %s database URL is not a valid "
			       "libpq connection string or URI: libpq knows no "
			       "parameter \"%s\" (a typo? sslmode, sslrootcert, "
			       "connect_timeout, ... see libpq's parameter "
			       "keywords)", role, name);
		else
			fn_err(err, errlen, "the %s database URL is not a valid "
			       "libpq connection string or URI", role);
		PQfreemem(why);
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
		enum sync_status st = connect_failed(db, err, errlen);
		sync_db_close(db);
		return st;
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
	/* a server computing for long (a checksum's sums) keeps us here */
	sync_meter_check(db->meter);
	return 0; /* EINTR too: the caller looks at the flag and retries */
}

static const char *field(const PGresult *res, int code)
{
	const char *v = res ? PQresultErrorField(res, code) : NULL;
	return v ? v : "";
}

/* PostgreSQL's SQLSTATE classes (Appendix A of its manual). */
static const char *class_name(const char *state)
{
	static const char *const classes[][2] = {
		{ "01", "warning" }, { "02", "no data" },
		{ "03", "SQL statement not yet complete" },
		{ "08", "connection exception" },
		{ "09", "triggered action exception" },
		{ "0A", "feature not supported" },
		{ "0B", "invalid transaction initiation" },
		{ "0F", "locator exception" }, { "0L", "invalid grantor" },
		{ "0P", "invalid role specification" },
		{ "0Z", "diagnostics exception" }, { "20", "case not found" },
		{ "21", "cardinality violation" }, { "22", "data exception" },
		{ "23", "integrity constraint violation" },
		{ "24", "invalid cursor state" },
		{ "25", "invalid transaction state" },
		{ "26", "invalid SQL statement name" },
		{ "27", "triggered data change violation" },
		{ "28", "invalid authorization specification" },
		{ "2B", "dependent privilege descriptors still exist" },
		{ "2D", "invalid transaction termination" },
		{ "2F", "SQL routine exception" },
		{ "34", "invalid cursor name" },
		{ "38", "external routine exception" },
		{ "39", "external routine invocation exception" },
		{ "3B", "savepoint exception" },
		{ "3D", "invalid catalog name" }, { "3F", "invalid schema name" },
		{ "40", "transaction rollback" },
		{ "42", "syntax error or access rule violation" },
		{ "44", "WITH CHECK OPTION violation" },
		{ "53", "insufficient resources" },
		{ "54", "program limit exceeded" },
		{ "55", "object not in prerequisite state" },
		{ "57", "operator intervention" }, { "58", "system error" },
		{ "72", "snapshot failure" }, { "F0", "configuration file error" },
		{ "HV", "foreign data wrapper error" },
		{ "P0", "PL/pgSQL error" }, { "XX", "internal error" },
	};
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
		if (strncmp(state, classes[i][0], 2) == 0)
			return classes[i][1];
	return "unknown class";
}

/* The condition names of the errors a run meets most, and what they mean
 * in a few words (said without the message, which may quote a value). */
static const char *const *condition(const char *state)
{
	static const char *const names[][3] = {
		{ "22P02", "invalid_text_representation", "a value its type cannot read" },
		{ "22003", "numeric_value_out_of_range", "a number out of its type's range" },
		{ "22001", "string_data_right_truncation", "a value too long for its type" },
		{ "22007", "invalid_datetime_format", "a date or time its type cannot read" },
		{ "22008", "datetime_field_overflow", "a date or time out of range" },
		{ "22012", "division_by_zero", "a division by zero" },
		{ "22021", "character_not_in_repertoire", "a character invalid in the encoding" },
		{ "22P05", "untranslatable_character", "a character the encoding cannot hold" },
		{ "22004", "null_value_not_allowed", "a NULL where none is allowed" },
		{ "22023", "invalid_parameter_value", "an invalid parameter value" },
		{ "23502", "not_null_violation", "a NULL in a NOT NULL column" },
		{ "23503", "foreign_key_violation", "a row its foreign key refuses" },
		{ "23505", "unique_violation", "a duplicate key value" },
		{ "23514", "check_violation", "a row its CHECK constraint refuses" },
		{ "23P01", "exclusion_violation", "a row its exclusion constraint refuses" },
		{ "25006", "read_only_sql_transaction", "a write to a read-only database" },
		{ "40001", "serialization_failure", "a serialization failure" },
		{ "40P01", "deadlock_detected", "a deadlock" },
		{ "42501", "insufficient_privilege", "a missing privilege" },
		{ "42P01", "undefined_table", "a table that does not exist" },
		{ "42703", "undefined_column", "a column that does not exist" },
		{ "42804", "datatype_mismatch", "a value of the wrong type" },
		{ "3F000", "invalid_schema_name", "a schema that does not exist" },
		{ "53100", "disk_full", "a full disk" },
		{ "53200", "out_of_memory", "the server out of memory" },
		{ "53300", "too_many_connections", "no connection slots left" },
		{ "54000", "program_limit_exceeded", "a value over a server limit" },
		{ "55P03", "lock_not_available", "a lock not granted" },
		{ "57014", "query_canceled", "a cancelled statement" },
		{ "57P01", "admin_shutdown", "the server shutting down" },
		{ "P0001", "raise_exception", "an exception raised by a function or trigger" },
		{ "0A000", "feature_not_supported", "a feature not supported" },
		{ "XX000", "internal_error", "an internal error" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(state, names[i][0]) == 0)
			return names[i];
	return NULL;
}

/* What failed, from the error's separate fields only: never its message
 * text, which may quote row values. */
static void safe_fields(const PGresult *res, char *out, size_t len)
{
	const char *state = field(res, PG_DIAG_SQLSTATE);
	const char *const *c = condition(state);
	int n = snprintf(out, len, "PostgreSQL error %.5s%s%s (%s%sclass %.2s, "
	                 "%s)", *state ? state : "?????", c ? " " : "",
	                 c ? c[1] : "", c ? c[2] : "", c ? "; " : "", state,
	                 class_name(state));
	const char *schema = field(res, PG_DIAG_SCHEMA_NAME);
	const struct { int code; const char *what; } parts[] = {
		{ PG_DIAG_TABLE_NAME, "table" },
		{ PG_DIAG_COLUMN_NAME, "column" },
		{ PG_DIAG_CONSTRAINT_NAME, "constraint" },
		{ PG_DIAG_DATATYPE_NAME, "type" },
	};
	const char *sep = ": ";
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		const char *v = field(res, parts[i].code);
		if (!*v || n < 0 || (size_t)n >= len)
			continue;
		int dot = parts[i].code == PG_DIAG_TABLE_NAME && *schema;
		n += snprintf(out + n, len - (size_t)n, "%s%s %.100s%s%.100s", sep,
		              parts[i].what, dot ? schema : "", dot ? "." : "", v);
		sep = ", ";
	}
}

enum sync_status sync_db_error(struct sync_db *db, const PGresult *res,
                               const char *what, char *err, size_t errlen)
{
	const char *who = what ? what : db->label;
	db->sqlstate[0] = db->context[0] = db->detail[0] = '\0';
	db->constraint[0] = db->message[0] = '\0';
	if (!res || !PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) {
		/* libpq's own text, or a server error it holds without a
		 * result (a COPY that failed): the run log's only */
		char why[300];
		first_line(PQerrorMessage(db->conn), why, sizeof why);
		keep_detail(db, "%s: %s", who, why);
		if (PQstatus(db->conn) == CONNECTION_BAD) {
			fn_err(err, errlen, "lost the connection to %s: %s (libpq's "
			       "message is in the run log and the local log)",
			       db->label, reason_phrase(why));
			return SYNC_UNREACHABLE;
		}
		fn_err(err, errlen, "%s: the PostgreSQL client library reported "
		       "an error (its message is in the run log and the local "
		       "log)", who);
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
	const char *hint = field(res, PG_DIAG_MESSAGE_HINT);
	snprintf(db->message, sizeof db->message, "%s", msg);
	keep_detail(db, "%s: %s%s%s%s%s", who, msg, *detail ? "; DETAIL: " : "",
	            detail, *hint ? "; HINT: " : "", hint);
	if (strcmp(state, "57014") == 0 && db->cancel_sent) {
		fn_err(err, errlen, "cancelled; nothing was applied");
		return SYNC_CANCELLED;
	}
	/* `what` may name the database already ("reading table t from
	 * the source database ..."): then it is not named twice */
	const char *on = strstr(who, db->label) ? "" : " on ";
	const char *label = *on ? db->label : "";
	if (strcmp(state, "57014") == 0) {
		fn_err(err, errlen, "%s%s%s: canceling statement due to "
		       "statement timeout (SYNC_STATEMENT_TIMEOUT)", who, on,
		       label);
		return SYNC_FAILED;
	}
	if (strcmp(state, "55P03") == 0) {
		fn_err(err, errlen, "%s%s%s: lock timeout (another session "
		       "holds a lock; SYNC_LOCK_TIMEOUT)", who, on, label);
		return SYNC_FAILED;
	}
	char safe[600];
	safe_fields(res, safe, sizeof safe);
	fn_err(err, errlen, "%s%s%s: %s; the server's message is in the run "
	       "log and the local log", who, on, label, safe);
	return strcmp(state, "3F000") == 0 ? SYNC_CONFIG : SYNC_FAILED;
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

/* The results of the statement sent last: *res the last good one, or the
 * first error. */
static enum sync_status receive(struct sync_db *db, PGresult **res,
                                const char *what, char *err, size_t errlen)
{
	*res = NULL;
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

static enum sync_status exec(struct sync_db *db, const char *sql, int nparams,
                             const char *const *params, int script,
                             PGresult **res, const char *what, char *err,
                             size_t errlen)
{
	*res = NULL;
	if (!send_query(db, sql, nparams, params, script))
		return sync_db_error(db, NULL, what, err, errlen);
	return receive(db, res, what, err, errlen);
}

enum sync_status sync_db_exec2(struct sync_db *a, struct sync_db *b,
                               const char *sql, int nparams,
                               const char *const *pa, const char *const *pb,
                               PGresult **ra, PGresult **rb, char *err,
                               size_t errlen)
{
	*ra = *rb = NULL;
	if (!send_query(a, sql, nparams, pa, 0))
		return sync_db_error(a, NULL, NULL, err, errlen);
	if (!send_query(b, sql, nparams, pb, 0)) {
		char ignore[8];
		PGresult *r;
		if (receive(a, &r, NULL, ignore, sizeof ignore) == SYNC_OK)
			PQclear(r);
		return sync_db_error(b, NULL, NULL, err, errlen);
	}
	char ignore[8];
	unsigned long b_seq = b->err_seq;
	enum sync_status st = receive(a, ra, NULL, err, errlen);
	enum sync_status st_b = st == SYNC_OK
		? receive(b, rb, NULL, err, errlen)
		: receive(b, rb, NULL, ignore, sizeof ignore);
	if (st != SYNC_OK)
		b->err_seq = b_seq; /* a's error is the one reported */
	if (st == SYNC_OK && st_b == SYNC_OK)
		return SYNC_OK;
	PQclear(*ra);
	PQclear(*rb);
	*ra = *rb = NULL;
	return st != SYNC_OK ? st : st_b;
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
