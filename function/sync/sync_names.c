/* sync_names.c - parses SYNC_TABLES / SYNC_EXCLUDE, quoted identifiers
 * included. */
#include "sync_names.h"

#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sync_buf.h"

/* Where the next c outside double quotes is in s[0..n), or n. */
static size_t find_unquoted(const char *s, size_t n, char c)
{
	int quoted = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			quoted = !quoted; /* "" inside quotes toggles twice */
		else if (s[i] == c && !quoted)
			return i;
	}
	return n;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One identifier from s[0..n), trimmed; quoted ones unquoted. NULL when
 * empty or malformed (*oom set when out of memory). */
static char *ident(const char *s, size_t n, int *oom)
{
	while (n && blank(*s))
		s++, n--;
	while (n && blank(s[n - 1]))
		n--;
	if (n == 0)
		return NULL;
	struct sync_buf b = { 0 };
	if (s[0] != '"') {
		if (memchr(s, '"', n))
			return NULL;
		sync_buf_addn(&b, s, n);
	} else {
		size_t i = 1;
		for (; i < n; i++) {
			if (s[i] != '"') {
				sync_buf_addn(&b, s + i, 1);
			} else if (i + 1 < n && s[i + 1] == '"') {
				sync_buf_addn(&b, s + i, 1);
				i++;
			} else {
				break;
			}
		}
		if (i != n - 1 || b.len == 0) { /* no closing quote, or text after */
			sync_buf_free(&b);
			return NULL;
		}
	}
	if (b.oom) {
		*oom = 1;
		sync_buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* `name` or `schema.name` */
static int qualified(const char *s, size_t n, struct sync_name *out, int *oom)
{
	size_t dot = find_unquoted(s, n, '.');
	if (dot < n) {
		if (find_unquoted(s + dot + 1, n - dot - 1, '.') < n - dot - 1)
			return -1;
		out->schema = ident(s, dot, oom);
		out->name = ident(s + dot + 1, n - dot - 1, oom);
		return out->schema && out->name ? 0 : -1;
	}
	out->name = ident(s, n, oom);
	return out->name ? 0 : -1;
}

static int entry(const char *s, size_t n, struct sync_entry *e, int *oom)
{
	size_t i = 0;
	while (i < n && blank(s[i]))
		i++;
	size_t j = n;
	while (j > i && blank(s[j - 1]))
		j--;
	if (j - i == 1 && s[i] == '*') {
		e->star = 1;
		return 0;
	}
	size_t eq = find_unquoted(s, n, '=');
	if (eq == n)
		return qualified(s, n, &e->src, oom);
	e->pair = 1;
	if (qualified(s, eq, &e->src, oom) != 0)
		return -1;
	return qualified(s + eq + 1, n - eq - 1, &e->dst, oom);
}

static void free_entry(struct sync_entry *e)
{
	free(e->src.schema), free(e->src.name);
	free(e->dst.schema), free(e->dst.name);
}

int sync_names_parse(const char *list, const char *what,
                     struct sync_list *out, int *oom, char *err,
                     size_t errlen)
{
	*out = (struct sync_list){ 0 };
	*oom = 0;
	const char *p = list ? list : "";
	size_t len = strlen(p);
	for (;;) {
		size_t n = find_unquoted(p, len, ',');
		size_t k = 0;
		while (k < n && blank(p[k]))
			k++;
		if (k < n) { /* empty entries (a,,b / trailing comma) are skipped */
			struct sync_entry *e = realloc(out->e, sizeof *e *
			                               (size_t)(out->n + 1));
			if (!e) {
				*oom = 1;
				fn_err(err, errlen, "out of memory");
				sync_names_free(out);
				return -1;
			}
			out->e = e;
			e = &out->e[out->n++];
			*e = (struct sync_entry){ 0 };
			if (entry(p, n, e, oom) != 0) {
				if (*oom)
					fn_err(err, errlen, "out of memory");
				else
					fn_err(err, errlen, "%s entry \"%.*s\" is "
					       "not a table name (name, "
					       "schema.name, src=dst; \"quoted\" "
					       "names as PostgreSQL writes "
					       "them)", what, (int)(n > 200 ? 200 : n),
					       p);
				sync_names_free(out);
				return -1;
			}
		}
		if (n == len)
			break;
		p += n + 1;
		len -= n + 1;
	}
	return 0;
}

void sync_names_free(struct sync_list *l)
{
	for (int i = 0; i < l->n; i++)
		free_entry(&l->e[i]);
	free(l->e);
	*l = (struct sync_list){ 0 };
}

static int names(const struct sync_name *n, const char *schema,
                 const char *name)
{
	return strcmp(n->name, name) == 0 &&
	       (!n->schema || strcmp(n->schema, schema) == 0);
}

int sync_names_excludes(const struct sync_list *l, const char *src_schema,
                        const char *src_name, const char *tgt_schema,
                        const char *tgt_name)
{
	for (int i = 0; i < l->n; i++) {
		const struct sync_entry *e = &l->e[i];
		if (e->star)
			return 1;
		if (e->pair ? names(&e->src, src_schema, src_name) &&
		              names(&e->dst, tgt_schema, tgt_name)
		            : names(&e->src, src_schema, src_name) ||
		              names(&e->src, tgt_schema, tgt_name))
			return 1;
	}
	return 0;
}
