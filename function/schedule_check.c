/* schedule_check.c - what schedule_run refuses before any QStash call:
 * settings and ids that are missing, or that could break out of the URL
 * path or a header line. */
#include <ctype.h>
#include <string.h>

#include "schedule_op.h"

/* Schedule ids go raw into the URL path, so only QStash's own alphabet
 * is let through (letters, digits, '-', '_', '.'; research 3.4). */
static int valid_id(const char *id)
{
	if (!id || !*id || strlen(id) > 200)
		return 0;
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
			return 0;
	return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

/* A value that goes into a header or the path must not be able to end
 * the line it is on. */
static int header_safe(const char *v)
{
	if (!v)
		return 0;
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 0;
	return 1;
}

static int url_safe(const char *v)
{
	if (!header_safe(v))
		return 0;
	for (const char *c = v; *c; c++)
		if (*c == ' ' || *c == '#')
			return 0;
	return strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0;
}

enum schedule_status schedule_check_inputs(struct schedule_op *op)
{
	const struct schedule_settings *s = op->s;
	enum schedule_action a = op->action;
	if ((unsigned)a > SCHEDULE_KEYS) {
		fn_err(op->err, op->errlen, "unknown schedule action %d", (int)a);
		return SCHEDULE_BAD_REQUEST;
	}
	if (!s->qstash_url || !url_safe(s->qstash_url)) {
		fn_err(op->err, op->errlen,
		       "QSTASH_URL must be an http(s) URL such as https://qstash.upstash.io");
		return SCHEDULE_BAD_REQUEST;
	}
	if (!s->token || !*s->token || !header_safe(s->token)) {
		fn_err(op->err, op->errlen,
		       "QSTASH_TOKEN is not set (the QStash API token, from the Upstash console)");
		return SCHEDULE_BAD_REQUEST;
	}
	int needs_dest = a == SCHEDULE_CREATE || a == SCHEDULE_LIST ||
	                 a == SCHEDULE_TRIGGER;
	if (needs_dest && (!s->destination || !url_safe(s->destination))) {
		fn_err(op->err, op->errlen,
		       "APP_URL must be set to the function's public https URL (the schedule's destination is APP_URL/api/background/sync/slave-to-prod)");
		return SCHEDULE_BAD_REQUEST;
	}
	if (a == SCHEDULE_CREATE) {
		if (!valid_id(s->schedule_id)) {
			fn_err(op->err, op->errlen,
			       "SYNC_SCHEDULE_ID may hold only letters, digits, '-', '_' and '.'");
			return SCHEDULE_BAD_REQUEST;
		}
		if (!s->cron || !*s->cron || !header_safe(s->cron) ||
		    !s->timeout || !header_safe(s->timeout)) {
			fn_err(op->err, op->errlen,
			       "SYNC_CRON and SYNC_TIMEOUT must be one-line values such as \"0 */6 * * *\" and \"30s\"");
			return SCHEDULE_BAD_REQUEST;
		}
	}
	if (a == SCHEDULE_TRIGGER && (!s->timeout || !*s->timeout ||
	                              !header_safe(s->timeout))) {
		fn_err(op->err, op->errlen,
		       "SYNC_TIMEOUT must be a one-line value such as \"30s\"");
		return SCHEDULE_BAD_REQUEST;
	}
	int needs_id = a == SCHEDULE_GET || a == SCHEDULE_PAUSE ||
	               a == SCHEDULE_RESUME || a == SCHEDULE_DELETE;
	if (needs_id && (!op->id || !*op->id)) {
		fn_err(op->err, op->errlen, "%s needs a scheduleId",
		       schedule_action_name(a));
		return SCHEDULE_BAD_REQUEST;
	}
	if (needs_id && !valid_id(op->id)) {
		fn_err(op->err, op->errlen,
		       "scheduleId may hold only letters, digits, '-', '_' and '.'");
		return SCHEDULE_BAD_REQUEST;
	}
	return SCHEDULE_OK;
}
