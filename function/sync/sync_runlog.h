/* sync_runlog.h - the run log (schema syncfn of the target): migrations,
 * the one-at-a-time lock, deduplication by QStash message id, and the
 * record of every run. */
#ifndef SYNCFN_SYNC_RUNLOG_H
#define SYNCFN_SYNC_RUNLOG_H

#include "sync_db.h"

/* Creates schema syncfn and its tables if they are missing (own
 * transaction; safe when two first runs race). */
enum sync_status sync_runlog_migrate(struct sync_db *tgt, char *err,
                                     size_t errlen);

/* Takes the run lock in the current transaction: SYNC_BUSY when another
 * run holds it. */
enum sync_status sync_runlog_lock(struct sync_db *tgt, char *err,
                                  size_t errlen);

/* The earlier successful run of message_id: *id > 0 and *statistics (a
 * malloc'd JSON text) when there is one. */
enum sync_status sync_runlog_find(struct sync_db *tgt, const char *message_id,
                                  long long *id, char **statistics, char *err,
                                  size_t errlen);

/* Inserts one run; *id its id. statistics (JSON text), error (the full
 * text, with PostgreSQL's message and DETAIL) and answer_error (the
 * error as answered, which the status route shows) may be NULL. */
enum sync_status sync_runlog_record(struct sync_db *tgt, const char *started,
                                    const char *type, const char *message_id,
                                    const char *status, const char *statistics,
                                    const char *error, const char *answer_error,
                                    long long *id, char *err, size_t errlen);

/* What a claim writes: the run's start, type, message id (may be NULL)
 * and the process that runs it (may be NULL). */
struct sync_claim {
	const char *started;
	const char *type;
	const char *message_id;
	const char *instance;
	int statement_timeout_ms; /* the run's bounds, for the claim's own */
	int lock_timeout_ms;      /* transaction (0: none) */
};

/* Before the work, in its own committed transaction under the run lock:
 * marks 'running' rows left by dead processes 'abandoned' (logged) and
 * inserts this run as 'running' (*id). SYNC_BUSY when another run holds
 * the lock; SYNC_DEDUPLICATED when message_id has synced meanwhile. */
enum sync_status sync_runlog_claim(struct sync_db *tgt,
                                   const struct sync_claim *c,
                                   const struct fn_logger *log, long long *id,
                                   char *err, size_t errlen);

/* After SYNC_BUSY: rewrites err to name the lock's holder (pid,
 * application_name, since when) and sets *retry_after_s to the expected
 * remaining seconds of the running sync, from the durations of the last
 * successful runs (the runtime bounds it). Outside a transaction. */
void sync_runlog_busy(struct sync_db *tgt, int *retry_after_s, char *err,
                      size_t errlen);

/* Closes claimed run id with status, statistics, error and answer_error
 * (as for sync_runlog_record; each may be NULL). */
enum sync_status sync_runlog_finish(struct sync_db *tgt, long long id,
                                    const char *status, const char *statistics,
                                    const char *error, const char *answer_error,
                                    char *err, size_t errlen);

/* Removes claimed run id that turned out to repeat a synced message. */
void sync_runlog_unclaim(struct sync_db *tgt, long long id);

/* Drops from a run's statistics what the run log keeps for the next run
 * only (each table's target_only_hash, derived from the target's own
 * rows), before they are answered or logged; any shape. */
struct cJSON;
void sync_runlog_strip_hints(struct cJSON *stats);

/* Fills the hint (struct sync_ck_hint) of each of the n tables that the
 * last finished run found alike on both sides by checksum
 * (sync_checksum.h), or alike but for the target's own rows: quiet, the
 * write counts it saw and those target-only rows, inside the run's
 * target transaction. A
 * hint only: the run log's contents cannot fail the run, only a failed
 * statement does. */
struct sync_table;
enum sync_status sync_runlog_quiet(struct sync_db *tgt, struct sync_table *t,
                                   int n, const char *rules_hash, char *err,
                                   size_t errlen);

#endif
