/* log.c - writes events to stderr as text or JSON lines, scrubbed of
 * secrets (see log.h). */
#include "log.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 16384
#define LOG_MAX_SECRETS 16
#define REDACTED "[REDACTED]"

/* Set once by log_setup() before any thread starts, then only read: this
 * is part of the process configuration. */
static struct {
	enum log_format format;
	const char *secrets[LOG_MAX_SECRETS];
	int nsecrets;
} log_conf;

void log_setup(enum log_format format, const char *const *secrets,
               int nsecrets)
{
	log_conf.format = format;
	log_conf.nsecrets = 0;
	for (int i = 0; i < nsecrets && i < LOG_MAX_SECRETS; i++)
		if (secrets[i] && strlen(secrets[i]) >= 4)
			log_conf.secrets[log_conf.nsecrets++] = secrets[i];
}

/* Replaces s[at, at+len) with REDACTED, keeping the string within cap. */
static size_t splice(char *s, size_t cap, size_t at, size_t len)
{
	size_t rlen = sizeof REDACTED - 1, n = strlen(s);
	size_t tail = n - at - len;
	if (at + rlen + tail >= cap) /* cut the tail rather than overflow */
		tail = cap - 1 > at + rlen ? cap - 1 - at - rlen : 0;
	if (at + rlen >= cap)
		rlen = cap - 1 - at;
	memmove(s + at + rlen, s + at + len, tail);
	memcpy(s + at, REDACTED, rlen);
	s[at + rlen + tail] = '\0';
	return at + rlen;
}

/* "scheme://user:password@host" -> "scheme://user:[REDACTED]@host", for
 * URLs that reach a log through an error text of a library. */
static void redact_url_passwords(char *s, size_t cap)
{
	size_t pos = 0;
	char *p;
	while ((p = strstr(s + pos, "://")) != NULL) {
		size_t start = (size_t)(p - s) + 3;
		size_t user = strcspn(s + start, ":@/ \"'");
		size_t colon = start + user;
		pos = colon;
		if (s[colon] != ':')
			continue;
		size_t plen = strcspn(s + colon + 1, "@/ \"'");
		if (s[colon + 1 + plen] != '@' || plen == 0)
			continue;
		if (plen == sizeof REDACTED - 1 &&
		    memcmp(s + colon + 1, REDACTED, plen) == 0) {
			pos = colon + 1 + plen;
			continue;
		}
		pos = splice(s, cap, colon + 1, plen);
	}
}

void log_redact(char *s, size_t cap)
{
	for (int i = 0; i < log_conf.nsecrets; i++) {
		const char *sec = log_conf.secrets[i];
		size_t len = strlen(sec), pos = 0;
		char *hit;
		while ((hit = strstr(s + pos, sec)) != NULL)
			pos = splice(s, cap, (size_t)(hit - s), len);
	}
	redact_url_passwords(s, cap);
}

char *log_json_text(const struct cJSON *j, int pretty)
{
	char *text = pretty ? cJSON_Print(j) : cJSON_PrintUnformatted(j);
	if (!text)
		return NULL;
	/* Room for every secret to grow into the longer "[REDACTED]". */
	size_t cap = strlen(text) * 2 + 64;
	char *out = malloc(cap);
	if (out) {
		snprintf(out, cap, "%s", text);
		log_redact(out, cap);
	}
	cJSON_free(text);
	return out;
}

static const char *level_name(enum fn_level level)
{
	switch (level) {
	case FN_DEBUG: return "debug";
	case FN_INFO: return "info";
	case FN_WARN: return "warn";
	case FN_ERROR: return "error";
	}
	return "info";
}

static void format_json(char *line, size_t cap, const char *time,
                        const char *request_id, enum fn_level level,
                        const char *event, const cJSON *fields)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "time", time);
	cJSON_AddStringToObject(o, "level", level_name(level));
	if (request_id && *request_id)
		cJSON_AddStringToObject(o, "request_id", request_id);
	cJSON_AddStringToObject(o, "event", event);
	for (const cJSON *f = fields ? fields->child : NULL; f; f = f->next)
		if (!cJSON_HasObjectItem(o, f->string))
			cJSON_AddItemToObject(o, f->string, cJSON_Duplicate(f, 1));
	char *text = cJSON_PrintUnformatted(o);
	snprintf(line, cap, "%s", text ? text : "{\"event\":\"log failure\"}");
	free(text);
	cJSON_Delete(o);
}

static int is_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '"' || *s == '\\' || *s == 0x7f ||
		    ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		     (unsigned char)s[1] <= 0x9f))
			return 0;
	return 1;
}

/* C1 control characters (U+0080..U+009F, UTF-8 C2 80..C2 9F: CSI is
 * C2 9B) pass cJSON unescaped, and a terminal acts on them: written as
 * \u0080..\u009f, in place (6 bytes for 2), within cap. */
static void escape_c1(char *line, size_t cap)
{
	size_t len = strlen(line);
	for (size_t i = 0; i + 1 < len; i++) {
		unsigned char a = (unsigned char)line[i], b = (unsigned char)line[i + 1];
		if (a != 0xc2 || b < 0x80 || b > 0x9f)
			continue;
		if (len + 4 >= cap) { /* no room: drop the character */
			memmove(line + i, line + i + 2, len - i - 1);
			len -= 2;
			i--;
			continue;
		}
		memmove(line + i + 6, line + i + 2, len - i - 1);
		char esc[7];
		snprintf(esc, sizeof esc, "\\u%04x", b);
		memcpy(line + i, esc, 6);
		len += 4;
		i += 5;
	}
}

/* A run's statistics in a text line: the totals a person reads, not the
 * whole object (2 KB and more; the JSON format and the answer keep it). */
static size_t text_statistics(char *out, size_t cap, const cJSON *stats)
{
	static const char *const keys[] = { "inserted", "updated", "unchanged",
	                                    "deleted", "duration_ms" };
	size_t n = 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0] && n < cap; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(stats, keys[i]);
		if (cJSON_IsNumber(v))
			n += (size_t)snprintf(out + n, cap - n, " %s=%.0f", keys[i],
			                      v->valuedouble);
	}
	static const char *const lists[] = { "tables", "warnings" };
	for (size_t i = 0; i < sizeof lists / sizeof lists[0] && n < cap; i++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(stats, lists[i]);
		if (cJSON_IsArray(a))
			n += (size_t)snprintf(out + n, cap - n, " %s=%d", lists[i],
			                      cJSON_GetArraySize(a));
	}
	return n;
}

static void format_text(char *line, size_t cap, const char *time,
                        const char *request_id, enum fn_level level,
                        const char *event, const cJSON *fields)
{
	size_t n = (size_t)snprintf(line, cap, "%s %-5s %s%s%s%s", time,
	                            level_name(level),
	                            request_id && *request_id ? "[" : "",
	                            request_id ? request_id : "",
	                            request_id && *request_id ? "] " : "", event);
	for (const cJSON *f = fields ? fields->child : NULL; f && n < cap; f = f->next) {
		/* a person reads this line: a field with no value is left out */
		if (cJSON_IsNull(f))
			continue;
		if (cJSON_IsObject(f) && strcmp(f->string, "statistics") == 0) {
			n += text_statistics(line + n, cap - n, f);
			continue;
		}
		/* A string with blanks, quotes or control characters is written
		 * JSON-quoted, so no value (a URL-decoded path, say) can break the
		 * line or forge another one. */
		int plain = cJSON_IsString(f) && is_plain(f->valuestring);
		char *v = plain ? NULL : cJSON_PrintUnformatted(f);
		n += (size_t)snprintf(line + n, cap - n, " %s=%s", f->string,
		                      v ? v : f->valuestring);
		free(v);
	}
}

void log_event(const char *request_id, enum fn_level level, const char *event,
               const struct cJSON *fields)
{
	char time[32];
	char *line = malloc(LOG_LINE_MAX);
	if (!line)
		return;
	fn_iso_time(time);
	if (log_conf.format == LOG_JSON)
		format_json(line, LOG_LINE_MAX - 1, time, request_id, level, event,
		            fields);
	else
		format_text(line, LOG_LINE_MAX - 1, time, request_id, level, event,
		            fields);
	log_redact(line, LOG_LINE_MAX - 1);
	escape_c1(line, LOG_LINE_MAX - 1);
	size_t n = strlen(line);
	line[n++] = '\n';
	/* One write per line, so lines of concurrent requests never mix. */
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
	free(line);
}

static void emit_for_request(void *ctx, enum fn_level level, const char *event,
                             const struct cJSON *fields)
{
	log_event(ctx, level, event, fields);
}

struct fn_logger log_fn_logger(const char *request_id)
{
	return (struct fn_logger){ .emit = emit_for_request,
	                           .ctx = (void *)request_id };
}

void log_line(const char *request_id, enum fn_level level, const char *event,
              ...)
{
	va_list ap;
	va_start(ap, event);
	cJSON *fields = fn_fields(&ap);
	va_end(ap);
	log_event(request_id, level, event, fields);
	cJSON_Delete(fields);
}

void log_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Room for every secret to grow into the longer "[REDACTED]". */
	size_t cap = (size_t)n * 2 + 64;
	char *text = malloc(cap);
	if (!text)
		return;
	va_start(ap, fmt);
	vsnprintf(text, cap, fmt, ap);
	va_end(ap);
	log_redact(text, cap);
	fputs(text, f);
	free(text);
}
