/* schedule_op.h - one schedule action in progress, shared by the
 * files in function/schedule/ (private to them).
 *
 * schedule_run.c makes the QStash calls; schedule_check.c refuses bad
 * input before any call; schedule_errors.c turns a QStash refusal into
 * the one line a person can act on and the error JSON.
 */
#ifndef SYNCFN_SCHEDULE_OP_H
#define SYNCFN_SCHEDULE_OP_H

#include <stddef.h>

#include "schedule.h"
#include "schedule_http.h"

/* One action in progress: its inputs, and the error it ends with. */
struct schedule_op {
	const struct schedule_settings *s;
	enum schedule_action action;
	const char *id;
	const struct fn_logger *log;
	char *err;
	size_t errlen;
	long qstash_status;     /* QStash's status when it refused, else 0 */
	char qstash_msg[512];   /* QStash's own error text, token redacted */
};

/* SCHEDULE_OK, or SCHEDULE_BAD_REQUEST with op->err set: a missing or
 * malformed setting or id, before anything is sent. */
enum schedule_status schedule_check_inputs(struct schedule_op *op);

/* Fills op->err, op->qstash_status and op->qstash_msg from QStash's
 * non-2xx answer r. */
void schedule_refused(struct schedule_op *op, const struct schedule_reply *r);

/* The data of a failed action: message and, for SCHEDULE_REFUSED,
 * details {status, message}. */
struct cJSON *schedule_error_result(const struct schedule_op *op,
                                    enum schedule_status st);

/* Beside each epoch-milliseconds time of a schedule QStash answered
 * (createdAt, lastScheduleTime, nextScheduleTime), the same time in ISO
 * 8601 UTC under the name + "Iso" ("createdAtIso"), for a person. */
void schedule_iso_times(struct cJSON *schedule);

#endif
