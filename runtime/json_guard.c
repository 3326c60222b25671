/* json_guard.c - see json_guard.h. */
#include "json_guard.h"

#include <cjson/cJSON.h>
#include <string.h>

int json_guard_depth_ok(const char *text, size_t len, int max_depth)
{
	int depth = 0, in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++; /* the escaped character cannot end the string */
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return 0;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 1;
}

int json_guard_has_nul_escape(const char *text, size_t len)
{
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (!in_string) {
			in_string = c == '"';
		} else if (c == '"') {
			in_string = 0;
		} else if (c == '\\' && i + 1 < len) {
			if (text[i + 1] == 'u' && i + 5 < len &&
			    memcmp(text + i + 2, "0000", 4) == 0)
				return 1;
			i++;
		}
	}
	return 0;
}

const char *json_guard_duplicate_key(const cJSON *obj)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	for (const cJSON *a = obj->child; a; a = a->next)
		for (const cJSON *b = a->next; b; b = b->next)
			if (a->string && b->string && strcmp(a->string, b->string) == 0)
				return a->string;
	return NULL;
}

cJSON *json_guard_parse(const char *text, size_t len, const char **why)
{
	*why = NULL;
	if (memchr(text, '\0', len)) {
		/* cJSON would end a string at it and hide what follows. */
		*why = "holds a NUL byte";
		return NULL;
	}
	if (!json_guard_depth_ok(text, len, JSON_GUARD_DEPTH)) {
		*why = "nests deeper than 8 levels";
		return NULL;
	}
	if (json_guard_has_nul_escape(text, len)) {
		*why = "holds a \\u0000 escape";
		return NULL;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	/* Only blanks may follow the value. */
	while (j && end < text + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (!j || end != text + len) {
		cJSON_Delete(j);
		*why = "is not valid JSON";
		return NULL;
	}
	if (json_guard_duplicate_key(j)) {
		cJSON_Delete(j);
		*why = "repeats a key";
		return NULL;
	}
	return j;
}
