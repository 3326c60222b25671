/* config_rules.c - SYNC_RULES from the environment or a file (see
 * config_rules.h). */
#include "config_rules.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_guard.h"

static int say(sync_rules_problem_fn *problem, void *ctx, const char *msg)
{
	problem(ctx, msg);
	return 1;
}

/* The file's bytes (NUL-terminated, *len set) or NULL with *why said. */
static char *read_file(const char *path, size_t *len, char *why,
                       size_t whylen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, whylen, "SYNC_RULES=@%.200s: cannot open the file "
		         "(%s)", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(CONFIG_RULES_MAX_BYTES + 2);
	size_t n = buf ? fread(buf, 1, CONFIG_RULES_MAX_BYTES + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad || n > CONFIG_RULES_MAX_BYTES) {
		snprintf(why, whylen, "SYNC_RULES=@%.200s: %s", path,
		         !buf ? "out of memory"
		         : bad ? "the file cannot be read"
		               : "the file is larger than 256 KiB");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int config_rules_load(const char *value, struct sync_rules *out,
                      sync_rules_problem_fn *problem, void *ctx)
{
	*out = (struct sync_rules){ 0 };
	if (!value || !*value)
		return 0;
	char why[400];
	char *file = NULL;
	const char *text = value;
	size_t len = strlen(value);
	if (*value == '@') {
		file = read_file(value + 1, &len, why, sizeof why);
		if (!file)
			return say(problem, ctx, why);
		text = file;
	} else if (len > CONFIG_RULES_MAX_BYTES) {
		return say(problem, ctx, "SYNC_RULES is larger than 256 KiB");
	}
	const char *reason = NULL;
	cJSON *json = json_guard_parse(text, len, &reason);
	free(file);
	if (!json) {
		snprintf(why, sizeof why, "SYNC_RULES%s%.200s %s",
		         *value == '@' ? " in " : "",
		         *value == '@' ? value + 1 : "",
		         reason ? reason : "is not valid JSON");
		return say(problem, ctx, why);
	}
	int n = sync_rules_parse(json, out, problem, ctx);
	cJSON_Delete(json);
	if (n < 0)
		return say(problem, ctx, "SYNC_RULES: out of memory");
	return n;
}
