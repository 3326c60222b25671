/* fn_log.c - builds the field object for a log event and hands it on. */
#include "fn_log.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static void add_field(cJSON *obj, const char *key, struct fn_value v)
{
	switch (v.kind) {
	case FN_V_STR:
		if (v.s)
			cJSON_AddStringToObject(obj, key, v.s);
		else
			cJSON_AddNullToObject(obj, key);
		break;
	case FN_V_INT:
		cJSON_AddNumberToObject(obj, key, (double)v.i);
		break;
	case FN_V_BOOL:
		cJSON_AddBoolToObject(obj, key, (int)v.i);
		break;
	case FN_V_JSON:
		if (v.j)
			cJSON_AddItemToObject(obj, key,
			                      cJSON_Duplicate(v.j, 1));
		else
			cJSON_AddNullToObject(obj, key);
		break;
	}
}

cJSON *fn_fields(va_list *ap)
{
	cJSON *fields = cJSON_CreateObject();
	if (!fields)
		return NULL;
	for (const char *key = va_arg(*ap, const char *); key;
	     key = va_arg(*ap, const char *))
		add_field(fields, key, va_arg(*ap, struct fn_value));
	return fields;
}

void fn_log(const struct fn_logger *lg, enum fn_level level,
            const char *event, ...)
{
	if (!lg || !lg->emit)
		return;
	va_list ap;
	va_start(ap, event);
	cJSON *fields = fn_fields(&ap);
	va_end(ap);
	if (!fields)
		return;
	lg->emit(lg->ctx, level, event, fields);
	cJSON_Delete(fields);
}

char *fn_err(char *buf, size_t len, const char *fmt, ...)
{
	if (!buf || len == 0)
		return buf;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return buf;
}

void fn_iso_time(char out[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}
