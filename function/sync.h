/* sync.h - the sync engine: slave (source) rows into main prod (target).
 *
 * One call to sync_run() is one run: it plans the tables, takes the
 * one-sync-per-target lock, reads the source in one REPEATABLE READ
 * snapshot, inserts the missing rows and updates the changed ones in one
 * target transaction, records the run in schema "syncfn" of the target,
 * and hands back its statistics; the caller makes the answer of them. A
 * failure at any point
 * leaves the target as it was. Rows are deleted only where a table's
 * rule (SYNC_RULES, sync_rules.h) says so, within its guard.
 *
 * The engine lives in its own shared object (build/syncfn-sync.so) that
 * the runtime loads only when an invocation needs it, so libpq costs
 * nothing on a cold start that only answers /healthz. The runtime finds
 * the entry points by name: each function declared below (sync_run,
 * sync_runs, sync_summary, sync_check, ...) with the type of the same
 * name and _fn.
 *
 * Errors: every function returns an enum sync_status and, when it is not
 * SYNC_OK, writes one line a person can act on into err. err is answered
 * to whoever called, QStash included, which stores it: a database is named only as "the
 * source database" / "the target database" (its host, port, name and
 * role go to the local log), and a server error is said from its fields
 * (SQLSTATE, schema, table, column, constraint, type), never from its
 * message text, which may quote row values and goes with its DETAIL to
 * the run log's error column and the local log.
 */
#ifndef SYNCFN_SYNC_H
#define SYNCFN_SYNC_H

#include <stdatomic.h>
#include <stddef.h>

#include "fn_log.h"
#include "sync_rules.h"

struct cJSON;

/* Seconds a connection attempt may take when settings say 0, and how
 * many runs sync_runs answers when asked for 0. */
#define SYNC_CONNECT_TIMEOUT_S 10
#define SYNC_RUNS_DEFAULT_LIMIT 20

/* How two-database re-syncs compare rows (SYNC_CHECKSUM). */
enum sync_checksum {
	/* auto: checksums, unless the target table takes under half the
	 * source's bytes (a backlog: then streaming both sides is faster) */
	SYNC_CHECKSUM_AUTO = 0,
	SYNC_CHECKSUM_ON,  /* checksums wherever they can run */
	SYNC_CHECKSUM_OFF  /* read every row (copy_diff / copy_stage) */
};

/* Settings, read once from the environment by the runtime. Strings are
 * borrowed and must outlive the call. Every field is used as given: start
 * from SYNC_SETTINGS_INIT, which holds the documented defaults. */
struct sync_settings {
	const char *target_url;    /* TARGET_DATABASE_URL, required */
	const char *source_url;    /* SOURCE_DATABASE_URL; NULL or equal to
	                              target_url: same database */
	const char *source_schema; /* SYNC_SOURCE_SCHEMA, "public" */
	const char *target_schema; /* SYNC_TARGET_SCHEMA, "public" */
	const char *tables;        /* SYNC_TABLES, "*" */
	const char *exclude;       /* SYNC_EXCLUDE, "" */
	int statement_timeout_ms;  /* SYNC_STATEMENT_TIMEOUT, 0 = none */
	int lock_timeout_ms;       /* SYNC_LOCK_TIMEOUT */
	int connect_timeout_s;     /* libpq connect_timeout, 0 = the default */
	enum sync_checksum checksum; /* SYNC_CHECKSUM, above */
	const struct sync_rules *rules; /* SYNC_RULES, parsed; NULL: none */
	int progress_ms;           /* a progress line per table this often
	                              while its rows stream or are
	                              checksummed; 0 = 5 s */
};

/* The defaults, the only place they are written. */
#define SYNC_SETTINGS_INIT                                               \
	{ .source_schema = "public", .target_schema = "public",          \
	  .tables = "*", .exclude = "", .lock_timeout_ms = 10000,        \
	  .connect_timeout_s = SYNC_CONNECT_TIMEOUT_S }

/* Progress of one table while its rows stream; called from the thread
 * that runs the sync. estimate is the planner's row estimate, -1 when
 * unknown. */
typedef void sync_progress_fn(void *ctx, const char *table,
                              long long rows, long long estimate);

/* One invocation. */
struct sync_request {
	const char *type;       /* "scheduled" or "manual" */
	const char *message_id; /* Upstash-Message-Id, NULL if none */
	int dry_run;            /* compute everything, then roll back */
	const char *tables;     /* overrides settings->tables if non-NULL */
	sync_progress_fn *progress;
	void *progress_ctx;
	/* Set to nonzero by another thread (or a signal handler) to cancel:
	 * the running statement is cancelled on the server and the run rolls
	 * back. May be NULL. */
	const atomic_int *cancel;
	/* Which process runs it ("host/pid"), recorded with a running run so
	 * that a busy answer can name it. May be NULL. */
	const char *instance;
};

enum sync_status {
	SYNC_OK = 0,      /* synced (or dry-run computed); statistics set */
	SYNC_DEDUPLICATED, /* this message id already synced; statistics are
	                     the earlier run's */
	SYNC_BUSY,        /* another sync holds the lock on this target;
	                     retry_after_s is the expected remaining seconds
	                     of that sync */
	SYNC_CONFIG,      /* can never succeed as configured: missing table,
	                     no usable key, non-deferrable FK cycle, bad
	                     SYNC_TABLES ...: retrying cannot help */
	SYNC_FAILED,      /* failed, may succeed on retry; nothing applied */
	SYNC_UNREACHABLE, /* a database could not be reached: may come back */
	SYNC_CANCELLED,   /* cancelled through request->cancel */
	SYNC_GUARD        /* a delete rule's guard tripped: nothing written;
	                     like SYNC_CONFIG, retrying cannot help until the
	                     source or the guard changes (run log status
	                     guard_tripped) */
};

/* What a run hands back besides its status and error. */
struct sync_result {
	struct cJSON *statistics; /* SYNC_OK: the run's statistics (README.md,
	                             "Responses"); SYNC_DEDUPLICATED: the
	                             earlier run's; else NULL. The caller's. */
	long long run_id;         /* this run's run log id, 0: none */
	int retry_after_s;        /* SYNC_BUSY: see above, else 0 */
};

/* Runs one sync. *result is filled for every status; statistics is NULL
 * on SYNC_OK only when memory ran out. err receives the one-line reason
 * for any status other than SYNC_OK / SYNC_DEDUPLICATED. */
typedef enum sync_status sync_run_fn(const struct sync_settings *settings,
                                     const struct sync_request *request,
                                     const struct fn_logger *log,
                                     struct sync_result *result,
                                     char *err, size_t errlen);

/* The latest `limit` runs from the run log, newest first, as
 * {"summary": {...}, "runs": [...]}, the summary as sync_summary gives
 * it; *result is NULL unless SYNC_OK. */
typedef enum sync_status sync_runs_fn(const struct sync_settings *settings,
                                      int limit,
                                      const struct fn_logger *log,
                                      struct cJSON **result,
                                      char *err, size_t errlen);

/* The run log's summary, without row data: {"last_success_at": ISO
 * 8601 or null, "age_s": seconds since that success by the target's
 * clock or null, "last_run_at", "consecutive_failures": failed runs since
 * the last success, "last_error": the newest of those failures' error as
 * it was answered, or null}. No run log yet: nulls and 0. Reads only. */
typedef enum sync_status sync_summary_fn(const struct sync_settings *settings,
                                         const struct fn_logger *log,
                                         struct cJSON **summary,
                                         char *err, size_t errlen);

/* What a run would find, without writing (`syncfn doctor`): connects
 * to both databases with the configured roles and plans the run in
 * read-only transactions, each table on its own too, so that every
 * table's problem is found at once. *result (NULL only when memory ran
 * out): {"tables": the tables a run would sync, in load order,
 * "warnings": [...], "problems": [one line each, as a run would say
 * them], "detail": libpq's message when a database could not be reached
 * (names the host: for a local terminal only)}. SYNC_OK when there is
 * no problem; else the status a run would end with, the first problem
 * in err. */
typedef enum sync_status sync_check_fn(const struct sync_settings *settings,
                                       struct cJSON **result, char *err,
                                       size_t errlen);

/* The expected remaining seconds of the sync running on the target, from
 * the run log (30 when it cannot tell), for a busy answer given without
 * running a sync (a --once instance already at work). */
typedef int sync_retry_after_fn(const struct sync_settings *settings);

/* QStash's failure callback for a message whose retries ran out. */
struct sync_delivery_failure {
	const char *message_id; /* sourceMessageId, required */
	const char *created_ms; /* the message's createdAt (unix ms), or NULL */
	const char *details;    /* JSON text: last status, retries, dlqId ... */
	const char *error;      /* one line: what the last answer said */
};

/* Records the failure in the run log once per message id: *run_id is
 * the new row, 0 when that message was recorded before. */
typedef enum sync_status sync_delivery_failed_fn(
	const struct sync_settings *settings,
	const struct sync_delivery_failure *failure, long long *run_id,
	char *err, size_t errlen);

sync_delivery_failed_fn sync_delivery_failed;
/* The duration in seconds of the slowest of the last successful runs in
 * the run log; -1 when there are none or it cannot be read. */
typedef double sync_slowest_fn(const struct sync_settings *settings);

sync_slowest_fn sync_slowest;
sync_run_fn sync_run;
sync_runs_fn sync_runs;
sync_summary_fn sync_summary;
/* The libpq the engine runs with, "17.2" (`syncfn --version`). */
typedef const char *sync_libpq_version_fn(void);
sync_libpq_version_fn sync_libpq_version;
sync_check_fn sync_check;
sync_retry_after_fn sync_retry_after;

/* Name of a status for logs, e.g. "busy". Defined in names.c, which is
 * linked into the main binary so the runtime can use it unloaded. */
const char *sync_status_name(enum sync_status st);

#endif
