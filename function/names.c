/* names.c - names of statuses and actions, shared by the runtime and the
 * loadable parts without pulling in libpq or libcurl. */
#include <ctype.h>
#include <string.h>

#include "schedule.h"
#include "sync.h"

const char *sync_status_name(enum sync_status st)
{
	switch (st) {
	case SYNC_OK: return "ok";
	case SYNC_DEDUPLICATED: return "deduplicated";
	case SYNC_BUSY: return "busy";
	case SYNC_CONFIG: return "config_error";
	case SYNC_FAILED: return "failed";
	case SYNC_UNREACHABLE: return "unreachable";
	case SYNC_CANCELLED: return "cancelled";
	case SYNC_GUARD: return "guard_tripped";
	}
	return "unknown";
}

/* The one table of schedule actions: everything the CLI, the HTTP route
 * and the engine need to know of an action besides how to run it. */
static const struct {
	const char *name;
	int needs_id;          /* acts on one schedule named by its id */
	int needs_destination; /* needs APP_URL (the schedule's target) */
} actions[] = {
	[SCHEDULE_CREATE] = { "create", 0, 1 },
	[SCHEDULE_LIST] = { "list", 0, 1 },
	[SCHEDULE_GET] = { "get", 1, 0 },
	[SCHEDULE_PAUSE] = { "pause", 1, 0 },
	[SCHEDULE_RESUME] = { "resume", 1, 0 },
	[SCHEDULE_DELETE] = { "delete", 1, 0 },
	[SCHEDULE_TRIGGER] = { "trigger", 0, 1 },
	[SCHEDULE_KEYS] = { "keys", 0, 0 },
};
#define N_ACTIONS (sizeof actions / sizeof actions[0])

const char *schedule_action_name(enum schedule_action a)
{
	return (unsigned)a < N_ACTIONS ? actions[a].name : "unknown";
}

int schedule_action_needs_id(enum schedule_action a)
{
	return (unsigned)a < N_ACTIONS && actions[a].needs_id;
}

int schedule_action_needs_destination(enum schedule_action a)
{
	return (unsigned)a < N_ACTIONS && actions[a].needs_destination;
}

int schedule_action_parse(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "trigger-manual") == 0)
		return SCHEDULE_TRIGGER;
	for (size_t i = 0; i < N_ACTIONS; i++)
		if (strcmp(name, actions[i].name) == 0)
			return (int)i;
	return -1;
}

/* Schedule ids go raw into the URL path, so only QStash's own alphabet
 * is let through (letters, digits, '-', '_', '.'), never "." or "..". */
int schedule_id_valid(const char *id)
{
	if (!id || !*id || strlen(id) > SCHEDULE_ID_MAX)
		return 0;
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
			return 0;
	return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}
