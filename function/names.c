/* names.c - names of statuses and actions, shared by the runtime and the
 * loadable parts without pulling in libpq or libcurl. */
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
	}
	return "unknown";
}

static const char *const action_names[] = {
	[SCHEDULE_CREATE] = "create", [SCHEDULE_LIST] = "list",
	[SCHEDULE_GET] = "get",       [SCHEDULE_PAUSE] = "pause",
	[SCHEDULE_RESUME] = "resume", [SCHEDULE_DELETE] = "delete",
	[SCHEDULE_TRIGGER] = "trigger", [SCHEDULE_KEYS] = "keys",
};

const char *schedule_action_name(enum schedule_action a)
{
	if ((unsigned)a < sizeof action_names / sizeof action_names[0])
		return action_names[a];
	return "unknown";
}

int schedule_action_parse(const char *name)
{
	if (!name)
		return -1;
	if (strcmp(name, "trigger-manual") == 0)
		return SCHEDULE_TRIGGER;
	for (size_t i = 0; i < sizeof action_names / sizeof action_names[0];
	     i++)
		if (strcmp(name, action_names[i]) == 0)
			return (int)i;
	return -1;
}
