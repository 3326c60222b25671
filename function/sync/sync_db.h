/* sync_db.h - one database connection of a run: connect, run a statement
 * while watching the cancel flag, and turn server errors into one line a
 * person can act on.
 *
 * Statements go through PQsendQueryParams (PQsendQuery only for fixed
 * multi-statement texts) and nothing else (the unnamed
 * statement: no prepared statements, no pipeline mode), so the engine
 * works through a transaction-mode pooler such as Supavisor or PgBouncer.
 */
#ifndef SYNCFN_SYNC_DB_H
#define SYNCFN_SYNC_DB_H

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stddef.h>

#include "sync.h"

struct sync_db {
	PGconn *conn;
	const char *role;   /* "source" or "target" */
	char label[400];    /* "the target database": answers name no host,
	                       port, database name or role */
	char where[320];    /* "(host h:p, database d)": for the local log */
	const atomic_int *cancel;
	int cancel_sent;
	/* of the last server error, for callers that explain it further */
	char sqlstate[6];
	char context[256];
	/* The full text of the last error: PostgreSQL's message with its
	 * DETAIL and HINT (they may quote row data: 'invalid input syntax
	 * for type integer: "..."', "Key (email)=(...)"), or libpq's with the
	 * database's host and name: for the run log and the local log,
	 * never for err, which becomes the HTTP answer and is said from
	 * the error's separate fields only. */
	char detail[1024];
	char message[512];    /* PostgreSQL's primary message alone (local) */
	char constraint[128]; /* PG_DIAG_CONSTRAINT_NAME, or "" */
	unsigned long err_seq; /* orders the errors of a run's connections */
	/* the running table's progress lines (sync_meter.h), or NULL */
	struct sync_meter *meter;
};

/* Parses url and connects. On failure err names the database only as
 * "the source/target database" with a reason that quotes nothing of the
 * URL (the host, database name and libpq's message go to detail), and
 * returns SYNC_UNREACHABLE; SYNC_CONFIG when url is not a connection
 * string at all, or the server refused the role, its password or the
 * database name (SQLSTATE class 28, 3D000, CONNECT privilege): those
 * never succeed on retry. */
enum sync_status sync_db_connect(struct sync_db *db, const char *role,
                                 const char *url, int connect_timeout_s,
                                 const atomic_int *cancel,
                                 char *err, size_t errlen);
void sync_db_close(struct sync_db *db);

/* Whether the cancel flag is up (and, if so, asks the server to cancel
 * the running statement, once). */
int sync_db_cancelled(struct sync_db *db);

/* Whether the value at row, col of r is a whole number (not NULL, not
 * empty, nothing after its digits; r may be NULL), and then *v. */
int sync_db_ll(const PGresult *r, int row, int col, long long *v);

/* Asks the server to cancel the statement running on db, if any; the
 * statement then ends with an error the caller reads as usual. */
void sync_db_cancel_statement(struct sync_db *db);

/* Runs one statement (params may be NULL when nparams is 0) and waits for
 * it, polling the cancel flag; sql holding more than one statement is an
 * error (the extended protocol), so nothing expanded into it can add one. On
 * success *res is the last result (PGRES_COMMAND_OK, TUPLES_OK, COPY_IN
 * or COPY_OUT), owned by the caller. On failure *res is NULL and err says
 * what failed, prefixed by `what` (e.g. "table public.orders") or the
 * database's label. */
enum sync_status sync_db_exec(struct sync_db *db, const char *sql, int nparams,
                              const char *const *params, PGresult **res,
                              const char *what, char *err, size_t errlen);

/* sync_db_exec of one statement on two connections at once (a and b are
 * different servers' connections; pa and pb their parameters): each
 * server works while the other does, which hides the slower of two
 * catalog reads that a fresh backend plans cold. SYNC_OK with both
 * results, else neither and the first error (both connections are left
 * with nothing pending). */
enum sync_status sync_db_exec2(struct sync_db *a, struct sync_db *b,
                               const char *sql, int nparams,
                               const char *const *pa, const char *const *pb,
                               PGresult **ra, PGresult **rb, char *err,
                               size_t errlen);

/* Like sync_db_exec for statements whose result is not needed. */
enum sync_status sync_db_run(struct sync_db *db, const char *sql, int nparams,
                             const char *const *params, const char *what,
                             char *err, size_t errlen);

/* Runs sql, a fixed text that may hold several statements (simple query
 * protocol): never one with anything expanded into it. */
enum sync_status sync_db_script(struct sync_db *db, const char *sql,
                                const char *what, char *err, size_t errlen);

/* Formats a failed result (or the connection's error when res is NULL)
 * into err and returns the status it means. err is said from the
 * error's fields (SQLSTATE and its class; schema, table, column,
 * constraint and type names), never from PostgreSQL's message text,
 * which goes to db->detail. */
enum sync_status sync_db_error(struct sync_db *db, const PGresult *res,
                               const char *what, char *err, size_t errlen);

/* Waits until the socket is readable (or 100 ms passed); -1 on error. */
int sync_db_wait(struct sync_db *db);

/* A quoted identifier (PQescapeIdentifier), malloc'd; NULL on failure. */
char *sync_db_ident(struct sync_db *db, const char *name);

#endif
