/* sync_buf.c - growable strings and the SQL template expander. */
#include "sync_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fn_log.h"

static int grow(struct sync_buf *b, size_t need)
{
	if (b->oom)
		return -1;
	if (b->len + need + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void sync_buf_addn(struct sync_buf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sync_buf_add(struct sync_buf *b, const char *s)
{
	sync_buf_addn(b, s, strlen(s));
}

void sync_buf_addf(struct sync_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *sync_buf_str(const struct sync_buf *b)
{
	return b->p ? b->p : "";
}

void sync_buf_free(struct sync_buf *b)
{
	free(b->p);
	*b = (struct sync_buf){ 0 };
}

static const char *lookup(const struct sync_kv *kv, size_t nkv,
                          const char *name, size_t len)
{
	for (size_t i = 0; i < nkv; i++)
		if (strlen(kv[i].name) == len &&
		    memcmp(kv[i].name, name, len) == 0)
			return kv[i].value;
	return NULL;
}

/* Length of the template text at p before the next placeholder or
 * comment; *quote carries the quote (' or ") open in the template text,
 * inside which neither is recognised. */
static size_t plain_len(const char *p, char *quote)
{
	size_t i = 0;
	for (; p[i]; i++) {
		if (*quote) {
			if (p[i] == *quote)
				*quote = 0;
		} else if (p[i] == '\'' || p[i] == '"') {
			*quote = p[i];
		} else if ((p[i] == '-' && p[i + 1] == '-') ||
		           (p[i] == '{' && p[i + 1] == '{')) {
			break;
		}
	}
	return i;
}

/* Comments are left out of the statement: a value expanded inside one
 * could end it with a newline (PQescapeIdentifier keeps them) and turn
 * the rest of an identifier into SQL. */
int sync_tmpl(struct sync_buf *out, const char *tmpl, const struct sync_kv *kv,
              size_t nkv, char *err, size_t errlen)
{
	const char *p = tmpl;
	char quote = 0;
	for (;;) {
		size_t n = plain_len(p, &quote);
		sync_buf_addn(out, p, n);
		p += n;
		if (!*p)
			return 0;
		if (p[0] == '-') {
			p += strcspn(p, "\n");
			continue;
		}
		const char *open = p;
		const char *close = strstr(open + 2, "}}");
		if (!close) {
			fn_err(err, errlen, "SQL template has an unclosed {{");
			return -1;
		}
		const char *v = lookup(kv, nkv, open + 2,
		                       (size_t)(close - open - 2));
		if (!v) {
			fn_err(err, errlen, "SQL template names an unknown "
			       "placeholder {{%.*s}}",
			       (int)(close - open - 2), open + 2);
			return -1;
		}
		sync_buf_add(out, v);
		p = close + 2;
	}
}

double sync_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
