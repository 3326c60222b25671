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

/* Inserts one run; *id its id. statistics (JSON text) and error may be
 * NULL. */
enum sync_status sync_runlog_record(struct sync_db *tgt, const char *started,
                                    const char *type, const char *message_id,
                                    const char *status, const char *statistics,
                                    const char *error, long long *id,
                                    char *err, size_t errlen);

#endif
