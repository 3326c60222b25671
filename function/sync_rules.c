/* sync_rules.c - SYNC_RULES from its parsed JSON into struct sync_rules,
 * every problem said with its path. */
#include "sync_rules.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct parse {
	sync_rules_problem_fn *problem;
	void *ctx;
	int count;
	int oom;
};

static void say(struct parse *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct parse *p, const char *path, const char *fmt, ...)
{
	char msg[256], line[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "%s: %s", path, msg);
	p->count++;
	p->problem(p->ctx, line);
}

/* SYNC_RULES["key"], the key escaped as a JSON string (and cut short). */
static void rule_path(char *out, size_t len, const char *key)
{
	size_t n = (size_t)snprintf(out, len, "SYNC_RULES[\"");
	for (const char *c = key; *c && n + 8 < len && c - key < 120; c++) {
		if (*c == '"' || *c == '\\')
			out[n++] = '\\';
		out[n++] = (unsigned char)*c < 0x20 ? '?' : *c;
	}
	snprintf(out + n, len - n, "\"]");
}

/* A member that appears twice in obj: cJSON keeps both, and which one
 * counts would be a guess. */
static void duplicates(struct parse *p, const cJSON *obj, const char *path)
{
	for (const cJSON *a = obj->child; a; a = a->next)
		for (const cJSON *b = obj->child; b != a; b = b->next)
			if (a->string && b->string &&
			    strcmp(a->string, b->string) == 0) {
				say(p, path, "key \"%.60s\" appears twice",
				    a->string);
				break;
			}
}

static int whole_number(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	       v->valuedouble <= 9e15 && floor(v->valuedouble) == v->valuedouble;
}

static void parse_delete(struct parse *p, const cJSON *v, const char *path,
                         struct sync_rule *r)
{
	char sub[520];
	if (cJSON_IsBool(v)) {
		r->delete_rows = cJSON_IsTrue(v);
		r->max_percent = r->delete_rows ? SYNC_RULES_DEFAULT_PERCENT : -1;
		return;
	}
	if (!cJSON_IsObject(v)) {
		say(p, path, "expected true, false or an object "
		    "{\"max_rows\": N, \"max_percent\": P, \"cascade\": false}");
		return;
	}
	duplicates(p, v, path);
	r->delete_rows = 1;
	for (const cJSON *m = v->child; m; m = m->next) {
		snprintf(sub, sizeof sub, "%.400s.%.60s", path, m->string);
		if (strcmp(m->string, "max_rows") == 0) {
			if (whole_number(m))
				r->max_rows = (long long)m->valuedouble;
			else
				say(p, sub, "expected a whole number >= 0");
		} else if (strcmp(m->string, "max_percent") == 0) {
			if (cJSON_IsNumber(m) && m->valuedouble >= 0 &&
			    m->valuedouble <= 100)
				r->max_percent = m->valuedouble;
			else
				say(p, sub, "expected a number from 0 to 100");
		} else if (strcmp(m->string, "cascade") == 0) {
			if (cJSON_IsBool(m))
				r->cascade = cJSON_IsTrue(m);
			else
				say(p, sub, "expected true or false");
		} else {
			say(p, path, "unknown key \"%.60s\" (known: max_rows, "
			    "max_percent, cascade)", m->string);
		}
	}
	/* a delete without any limit would be no guard at all */
	if (r->max_rows < 0 && r->max_percent < 0)
		r->max_percent = SYNC_RULES_DEFAULT_PERCENT;
}

static char *dup(struct parse *p, const char *s)
{
	char *d = strdup(s);
	p->oom |= d == NULL;
	return d;
}

static void parse_exclude(struct parse *p, const cJSON *v, const char *path,
                          struct sync_rule *r)
{
	if (!cJSON_IsArray(v)) {
		say(p, path, "expected an array of column names");
		return;
	}
	int n = cJSON_GetArraySize(v), i = 0;
	r->exclude = calloc((size_t)n + 1, sizeof *r->exclude);
	if (!r->exclude) {
		p->oom = 1;
		return;
	}
	for (const cJSON *e = v->child; e; e = e->next, i++) {
		char sub[520];
		snprintf(sub, sizeof sub, "%.400s[%d]", path, i);
		if (!cJSON_IsString(e) || !*e->valuestring) {
			say(p, sub, "expected a column name (a non-empty string)");
			continue;
		}
		int seen = 0;
		for (int k = 0; k < r->nexclude && !seen; k++)
			seen = strcmp(r->exclude[k], e->valuestring) == 0;
		if (seen)
			say(p, sub, "column \"%.60s\" is listed twice",
			    e->valuestring);
		else
			r->exclude[r->nexclude++] = dup(p, e->valuestring);
	}
}

static void parse_choice(struct parse *p, const cJSON *v, const char *path,
                         const char *a, const char *b, int *is_b)
{
	if (cJSON_IsString(v) && strcmp(v->valuestring, a) == 0)
		*is_b = 0;
	else if (cJSON_IsString(v) && strcmp(v->valuestring, b) == 0)
		*is_b = 1;
	else
		say(p, path, "expected \"%s\" or \"%s\"", a, b);
}

long long sync_rules_duration(const char *text)
{
	static const struct { const char *unit; long long s; } units[] = {
		{ "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
	};
	char *end;
	if (!isdigit((unsigned char)*text))
		return -1;
	long long n = strtoll(text, &end, 10);
	if (n > 100000000LL) /* over three years: a typo, not a duration */
		return -1;
	if (!*end && n == 0)
		return 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].unit) == 0)
			return n * units[i].s;
	return -1;
}

static void parse_incremental(struct parse *p, const cJSON *v,
                              const char *path, struct sync_rule *r)
{
	char sub[520];
	if (!cJSON_IsObject(v)) {
		say(p, path, "expected an object {\"column\": C, \"lookback\": "
		    "D, \"full_every\": D}");
		return;
	}
	duplicates(p, v, path);
	r->incr_full_every = -1;
	for (const cJSON *m = v->child; m; m = m->next) {
		snprintf(sub, sizeof sub, "%.400s.%.60s", path, m->string);
		long long d = cJSON_IsString(m)
			? sync_rules_duration(m->valuestring) : -1;
		if (strcmp(m->string, "column") == 0) {
			if (cJSON_IsString(m) && *m->valuestring)
				r->incr_column = dup(p, m->valuestring);
			else
				say(p, sub, "expected a column name (a "
				    "non-empty string)");
		} else if (strcmp(m->string, "lookback") == 0) {
			if (whole_number(m)) {
				r->incr_lookback = (long long)m->valuedouble;
				r->incr_lookback_number = 1;
			} else if (d >= 0) {
				r->incr_lookback = d;
			} else {
				say(p, sub, "expected a duration (\"30s\", "
				    "\"1m\", \"2h\", \"1d\") or, for an "
				    "integer column, a whole number >= 0");
			}
		} else if (strcmp(m->string, "full_every") == 0) {
			if (d > 0)
				r->incr_full_every = d;
			else
				say(p, sub, "expected a duration over 0 "
				    "(\"1h\", \"24h\", \"7d\")");
		} else {
			say(p, path, "unknown key \"%.60s\" (known: column, "
			    "lookback, full_every)", m->string);
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(v, "column"))
		say(p, path, "\"column\" is required: the column the "
		    "application or a trigger stamps on every write");
}

static void parse_rule(struct parse *p, const cJSON *v, struct sync_rule *r)
{
	char path[300], sub[400];
	rule_path(path, sizeof path, v->string);
	*r = (struct sync_rule){ .max_rows = -1, .max_percent = -1 };
	r->table = dup(p, v->string);
	if (!*v->string)
		say(p, path, "expected a table name (name, schema.name or "
		    "\"Quoted.Name\")");
	if (!cJSON_IsObject(v)) {
		say(p, path, "expected an object of rules (where, "
		    "exclude_columns, mode, delete, triggers, incremental)");
		return;
	}
	duplicates(p, v, path);
	r->text = cJSON_PrintUnformatted(v);
	p->oom |= r->text == NULL;
	for (const cJSON *m = v->child; m; m = m->next) {
		snprintf(sub, sizeof sub, "%.400s.%.60s", path, m->string);
		if (strcmp(m->string, "where") == 0) {
			const char *why = cJSON_IsString(m)
				? sync_rules_where_problem(m->valuestring)
				: "expected an SQL boolean expression (a string)";
			if (why)
				say(p, sub, "%s", why);
			else
				r->where = dup(p, m->valuestring);
		} else if (strcmp(m->string, "exclude_columns") == 0) {
			parse_exclude(p, m, sub, r);
		} else if (strcmp(m->string, "mode") == 0) {
			parse_choice(p, m, sub, "upsert", "insert_only",
			             &r->insert_only);
		} else if (strcmp(m->string, "delete") == 0) {
			parse_delete(p, m, sub, r);
		} else if (strcmp(m->string, "triggers") == 0) {
			parse_choice(p, m, sub, "fire", "skip",
			             &r->skip_triggers);
		} else if (strcmp(m->string, "incremental") == 0) {
			parse_incremental(p, m, sub, r);
		} else {
			say(p, path, "unknown key \"%.60s\" (known: where, "
			    "exclude_columns, mode, delete, triggers, "
			    "incremental)",
			    m->string);
		}
	}
}

static void hash_text(struct sync_rules *out)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *c = (const unsigned char *)out->text; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	snprintf(out->hash, sizeof out->hash, "%016llx", (unsigned long long)h);
}

int sync_rules_parse(const cJSON *json, struct sync_rules *out,
                     sync_rules_problem_fn *problem, void *ctx)
{
	struct parse p = { .problem = problem, .ctx = ctx };
	*out = (struct sync_rules){ 0 };
	if (!cJSON_IsObject(json)) {
		say(&p, "SYNC_RULES", "expected a JSON object whose keys name "
		    "tables, e.g. {\"public.orders\": {\"where\": \"...\"}}");
		return p.count;
	}
	duplicates(&p, json, "SYNC_RULES");
	int n = cJSON_GetArraySize(json);
	out->rule = calloc((size_t)n + 1, sizeof *out->rule);
	out->text = cJSON_PrintUnformatted(json);
	if (!out->rule || !out->text) {
		sync_rules_free(out);
		return -1;
	}
	for (const cJSON *m = json->child; m; m = m->next)
		parse_rule(&p, m, &out->rule[out->n++]);
	hash_text(out);
	if (p.oom) {
		sync_rules_free(out);
		return -1;
	}
	if (p.count)
		sync_rules_free(out);
	return p.count;
}

void sync_rules_free(struct sync_rules *rules)
{
	for (int i = 0; i < rules->n; i++) {
		struct sync_rule *r = &rules->rule[i];
		free(r->table), free(r->where), free(r->incr_column);
		cJSON_free(r->text);
		for (int k = 0; k < r->nexclude; k++)
			free(r->exclude[k]);
		free(r->exclude);
	}
	free(rules->rule);
	cJSON_free(rules->text);
	*rules = (struct sync_rules){ 0 };
}

/* Past the quoted text that starts at s (the opening quote q); NULL when
 * it never closes. Backslashes escape only in E'...'. */
static const char *skip_quoted(const char *s, char q, int backslash)
{
	for (s++; *s; s++) {
		if (backslash && *s == '\\' && s[1]) {
			s++;
		} else if (*s == q) {
			if (s[1] != q)
				return s + 1;
			s++;
		}
	}
	return NULL;
}

static int word_at(const char *s, const char *start, const char *word)
{
	size_t n = strlen(word);
	if (s > start && (isalnum((unsigned char)s[-1]) || s[-1] == '_'))
		return 0;
	if (strncasecmp(s, word, n) != 0)
		return 0;
	return !(isalnum((unsigned char)s[n]) || s[n] == '_');
}

const char *sync_rules_where_problem(const char *w)
{
	int depth = 0, any = 0;
	for (const char *s = w; *s;) {
		char c = *s;
		if (c == '\'' || c == '"') {
			int esc = c == '\'' && s > w && (s[-1] == 'E' ||
			                                 s[-1] == 'e');
			s = skip_quoted(s, c, esc);
			if (!s)
				return "a quote is not closed";
			any = 1;
			continue;
		}
		if (c == ';')
			return "a filter is one expression: no ';'";
		if ((c == '-' && s[1] == '-') || (c == '/' && s[1] == '*'))
			return "no comments in a filter";
		if (c == '$')
			return "no '$' in a filter (dollar quotes, parameters)";
		if (word_at(s, w, "select"))
			return "no subquery in a filter: it reads only the "
			       "row's own columns, so it means the same on "
			       "both servers";
		if (c == '(')
			depth++;
		if (c == ')' && --depth < 0)
			return "a ')' closes nothing";
		if (!isspace((unsigned char)c))
			any = 1;
		s++;
	}
	if (depth)
		return "a '(' is not closed";
	if (!any)
		return "expected an SQL boolean expression, not an empty string";
	return NULL;
}
