/* sync_meter.c - a table's progress lines (sync_meter.h). */
#include "sync_meter.h"

#include <time.h>

#include "sync_db.h"
#include "sync_usage.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Bytes received from both databases so far; -1 where the kernel cannot
 * tell (a Unix socket). */
static long long received(const struct sync_meter *m)
{
	long long s = sync_usage_bytes(m->src);
	long long t = m->tgt == m->src ? 0 : sync_usage_bytes(m->tgt);
	return s < 0 || t < 0 ? -1 : s + t;
}

void sync_meter_begin(struct sync_meter *m, const struct fn_logger *log,
                      int interval_ms, const char *table,
                      struct sync_db *src, struct sync_db *tgt)
{
	*m = (struct sync_meter){ .log = log, .table = table, .src = src,
	                          .tgt = tgt };
	m->interval_ms = interval_ms > 0 ? interval_ms : SYNC_PROGRESS_DEFAULT_MS;
	m->start_ms = now_ms();
	m->next_ms = m->start_ms + m->interval_ms;
	m->bytes0 = received(m);
	src->meter = m;
	tgt->meter = m;
}

void sync_meter_end(struct sync_meter *m)
{
	m->src->meter = NULL;
	m->tgt->meter = NULL;
}

void sync_meter_phase(struct sync_meter *m, const char *phase)
{
	if (!m)
		return;
	m->phase = phase;
	m->rows = 0;
}

void sync_meter_check(struct sync_meter *m)
{
	if (!m || !m->phase)
		return;
	double now = now_ms();
	if (now < m->next_ms)
		return;
	m->next_ms = now + m->interval_ms;
	long long b = m->bytes0 < 0 ? -1 : received(m);
	fn_log(m->log, FN_INFO, "Table progress", "table", FN_STR(m->table),
	       "phase", FN_STR(m->phase), "rows", FN_INT(m->rows),
	       "bytes", b < 0 ? FN_STR(NULL) : FN_INT(b - m->bytes0),
	       "elapsed_ms", FN_INT((long long)(now - m->start_ms)), NULL);
}

void sync_meter_add(struct sync_meter *m, long long n)
{
	if (!m)
		return;
	m->rows += n;
	sync_meter_check(m);
}
