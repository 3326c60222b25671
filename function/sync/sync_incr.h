/* sync_incr.h - incremental rules (SYNC_RULES "incremental"): a run of
 * such a table reads only the source rows whose column is at or past the
 * table's watermark, less the lookback, and merges them as usual; the
 * first run, a run after the rule or the table's columns changed, and
 * one every full_every compare the whole table (and only they delete).
 *
 * The watermark lives in syncfn.watermarks on the target, written in the
 * run's transaction: a failed, cancelled or dry run leaves it where it
 * was. It never passes what a transaction open on the source when the run
 * read it may still commit: for a time column, the start of the oldest
 * transaction of the source's database then (now() stamps a row with its
 * transaction's start); for an integer column, it moves only when no
 * other transaction was open around the run's snapshot.
 */
#ifndef SYNCFN_SYNC_INCR_H
#define SYNCFN_SYNC_INCR_H

#include "sync_plan.h"

/* The source's state just before the run's snapshot. */
struct sync_incr_bound {
	int read;            /* this was read (some rule is incremental) */
	char at[64];         /* the bound, timestamptz text (UTC) */
	long long open;      /* other backends in a transaction */
	long long hidden;    /* other backends this role may not see */
	int standby;         /* the source is in recovery: its primary's
	                        open transactions cannot be seen */
};

/* Whether any rule of s is incremental. */
int sync_incr_any(const struct sync_settings *s);

/* Reads the bound on src, outside any transaction: call it before the
 * source's snapshot is taken. */
enum sync_status sync_incr_bound_read(struct sync_db *src,
                                      struct sync_incr_bound *b, char *err,
                                      size_t errlen);

/* Checks each incremental rule's column on the source (it exists, is not
 * excluded, has an allowed type, the lookback fits it): problems go to
 * plan->problems; no index and NULLs allowed are warnings. */
enum sync_status sync_incr_check(struct sync_plan *plan, struct sync_db *src,
                                 const struct fn_logger *log, char *err,
                                 size_t errlen);

/* Before the first write: decides for each incremental table whether
 * this run is full, and filters a partial run's source (t->f.src); b is
 * the bound read before the snapshot. */
enum sync_status sync_incr_prepare(struct sync_plan *plan,
                                   struct sync_db *src, struct sync_db *tgt,
                                   const struct sync_incr_bound *b,
                                   char *err, size_t errlen);

/* Makes t's run a full one after all (reason), its source unfiltered. */
void sync_incr_whole(struct sync_table *t, const char *reason);

/* After t's rows were merged: computes and saves its new watermark in the
 * target's transaction; a watermark that could not move is a warning. */
enum sync_status sync_incr_finish(struct sync_plan *plan, struct sync_table *t,
                                  struct sync_db *src, struct sync_db *tgt,
                                  const struct sync_incr_bound *b,
                                  const struct fn_logger *log, char *err,
                                  size_t errlen);

/* The statistics' "incremental" object of t (NULL when t has none). */
struct cJSON *sync_incr_stats(const struct sync_table *t);

void sync_incr_free(struct sync_incr *incr);

#endif
