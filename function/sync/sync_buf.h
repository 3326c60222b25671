/* sync_buf.h - growable strings and the SQL template expander.
 *
 * Every statement the engine runs lives in a file under sql/. Per-table
 * statements are templates with {{name}} placeholders; sync_tmpl() fills them with
 * fragments the caller built from identifiers already quoted by
 * PQescapeIdentifier, never from values (values go as parameters).
 */
#ifndef SYNCFN_SYNC_BUF_H
#define SYNCFN_SYNC_BUF_H

#include <stddef.h>

struct sync_buf {
	char *p;    /* NUL-terminated once anything was added; may be NULL */
	size_t len;
	size_t cap;
	int oom;    /* set when an allocation failed; the text is then cut */
};

void sync_buf_add(struct sync_buf *b, const char *s);
void sync_buf_addn(struct sync_buf *b, const char *s, size_t n);
void sync_buf_addf(struct sync_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The text so far ("" when empty); never NULL. */
const char *sync_buf_str(const struct sync_buf *b);
void sync_buf_free(struct sync_buf *b);

/* One placeholder value: {{name}} becomes value. */
struct sync_kv {
	const char *name;
	const char *value;
};

/* Appends tmpl to out with every {{name}} replaced by its value and its
 * `--` comments left out (with any placeholder in them). Returns
 * 0, or -1 when tmpl names a placeholder not in kv (a bug in a template,
 * reported with its name in err). */
int sync_tmpl(struct sync_buf *out, const char *tmpl, const struct sync_kv *kv,
              size_t nkv, char *err, size_t errlen);

/* Milliseconds on a monotonic clock. */
double sync_now_ms(void);

#endif
