/* sync_meter.h - progress lines while one table's rows stream or are
 * checksummed: a long table would otherwise say nothing until it ends.
 * Every interval (sync_settings.progress_ms) a "Table progress" event
 * goes through the run's logger: the table, the phase, the rows so far,
 * the bytes received from both databases since the table began, the
 * time spent on it.
 *
 * It costs a counter per row: the clock is read every SYNC_METER_ROWS
 * rows, and on each wait for a server (which is a system call already).
 * The meter hangs on both connections of the run while its table runs,
 * so that every streaming loop and every wait reaches it; it speaks only
 * while a phase is set. */
#ifndef SYNCFN_SYNC_METER_H
#define SYNCFN_SYNC_METER_H

#include "fn_log.h"

struct sync_db;

#define SYNC_METER_ROWS 1024
#define SYNC_PROGRESS_DEFAULT_MS 5000

struct sync_meter {
	const struct fn_logger *log;
	const char *table;
	const char *phase;  /* "copy", "compare", "checksum"; NULL: silent */
	struct sync_db *src, *tgt;
	/* in this phase: the rows streamed (copy), the source's rows read
	 * (compare), the source's rows whose segment sums arrived (checksum:
	 * 0 while the servers hash) */
	long long rows;
	long long bytes0;   /* received from both when the table began */
	double start_ms, next_ms;
	int interval_ms;
	unsigned tick;
};

/* Attaches m to src and tgt (one connection when the same) for table. */
void sync_meter_begin(struct sync_meter *m, const struct fn_logger *log,
                      int interval_ms, const char *table,
                      struct sync_db *src, struct sync_db *tgt);
/* Detaches it. */
void sync_meter_end(struct sync_meter *m);

/* Starts (phase) or ends (NULL) a phase that speaks; rows start at 0.
 * m may be NULL, as everywhere below. */
void sync_meter_phase(struct sync_meter *m, const char *phase);

/* Reads the clock; logs a line when the interval has passed. */
void sync_meter_check(struct sync_meter *m);

/* n more rows at once (a group of them: the clock is read). */
void sync_meter_add(struct sync_meter *m, long long n);

/* n more rows. */
static inline void sync_meter_rows(struct sync_meter *m, long long n)
{
	if (!m)
		return;
	m->rows += n;
	if (++m->tick % SYNC_METER_ROWS == 0)
		sync_meter_check(m);
}

/* A row or result that is not counted (a checksum's row-level pass
 * reads rows already counted): only the clock's turn. */
static inline void sync_meter_tick(struct sync_meter *m)
{
	if (m && ++m->tick % SYNC_METER_ROWS == 0)
		sync_meter_check(m);
}

#endif
