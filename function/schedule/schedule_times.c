/* schedule_times.c - ISO 8601 beside QStash's epoch milliseconds
 * (schedule_op.h). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <time.h>

#include "schedule_op.h"

/* Years 1970..9999 in ms: anything else is not a time to show. */
#define MAX_EPOCH_MS 253402300799999.0

void schedule_iso_times(cJSON *schedule)
{
	static const char *const keys[] = { "createdAt", "lastScheduleTime",
	                                    "nextScheduleTime" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(schedule, keys[i]);
		if (!cJSON_IsNumber(v) || v->valuedouble <= 0 ||
		    v->valuedouble > MAX_EPOCH_MS)
			continue;
		long long ms = (long long)v->valuedouble;
		time_t t = (time_t)(ms / 1000);
		struct tm tm;
		char iso[96], name[40];
		if (!gmtime_r(&t, &tm))
			continue;
		snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		         tm.tm_min, tm.tm_sec, (int)(ms % 1000));
		snprintf(name, sizeof name, "%sIso", keys[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(schedule, name);
		cJSON_AddStringToObject(schedule, name, iso);
	}
}
