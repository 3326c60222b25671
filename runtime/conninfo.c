/* conninfo.c - see conninfo.h. The rules follow libpq's
 * conninfo_uri_parse_options() and conninfo_parse() (fe-connect.c). */
#include "conninfo.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define ENCODE_HINT "percent-encode '@' as %40, '/' as %2F, '%' as %25"

static int fail(char *why, size_t len, const char *text)
{
	snprintf(why, len, "%s", text);
	return -1;
}

/* libpq's two URI prefixes, case as written; 0 when neither. */
static size_t uri_prefix(const char *s)
{
	if (strncmp(s, "postgresql://", 13) == 0)
		return 13;
	if (strncmp(s, "postgres://", 11) == 0)
		return 11;
	return 0;
}

/* 1 when every '%' in s[0, n) starts a %XX other than %00. */
static int percent_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
		    !isxdigit((unsigned char)s[i + 2]) ||
		    (s[i + 1] == '0' && s[i + 2] == '0'))
			return 0;
		i += 2;
	}
	return 1;
}

static int check_query(const char *q, char *why, size_t len)
{
	while (*q) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);
		if (n && (!eq || memchr(eq + 1, '=', n - (size_t)(eq + 1 - q))))
			return fail(why, len, "has a URI parameter that is not one "
			                      "key=value: " ENCODE_HINT ", '&' as %26, "
			                      "'=' as %3D in values");
		if (!percent_ok(q, n))
			return fail(why, len, "has a '%' that does not start a %XX "
			                      "escape: write '%' as %25");
		q += n + (q[n] == '&');
	}
	return 0;
}

static int check_uri(const char *s, char *why, size_t len)
{
	/* libpq looks for the user info up to the first '/' only. */
	size_t auth = strcspn(s, "/");
	const char *at = memchr(s, '@', auth);
	const char *q = strchr(s, '?');
	if (at && memchr(at + 1, '@', auth - (size_t)(at + 1 - s)))
		return fail(why, len, "has an '@' inside its user name or password "
		                      "(libpq would take the rest for the host): "
		                      ENCODE_HINT);
	/* "host?key=a@b": libpq takes "host?key=a" for the user name. (A
	 * '?' inside a password, with no '=' after it, it reads right.) */
	if (at && q && q < at && memchr(q, '=', (size_t)(at - q)))
		return fail(why, len, "has an '@' in a URI parameter before any '/' "
		                      "(libpq would read a user name there): "
		                      ENCODE_HINT);
	/* An '@' after the first '/' (with none before it): a '/' in the
	 * password, or an '@' in the database name or a parameter, where a
	 * password's tail would be read as a host (host=...) or a database. */
	if (!at && s[auth] == '/' && strchr(s + auth, '@'))
		return fail(why, len, "has a '/' inside its user name or "
		                      "password, or an '@' in its database name or "
		                      "a parameter (libpq would read the wrong host "
		                      "or database): " ENCODE_HINT);
	/* A second raw '@' anywhere ("u:Xk9@vR2/qL7!@host/db": libpq reads
	 * host vR2 and database "qL7!@host/db", parts of the password). */
	if (at && strchr(at + 1, '@'))
		return fail(why, len, "has more than one '@' (an '@' and a '/' "
		                      "inside its password, or an '@' in its "
		                      "database name or a parameter; libpq would "
		                      "read a part of the password as the host or "
		                      "database): " ENCODE_HINT);
	/* The parameters start at the first '?' after the user info. */
	const char *query = strchr(at ? at + 1 : s, '?');
	size_t upto = query ? (size_t)(query - s) : strlen(s);
	if (!percent_ok(s, upto))
		return fail(why, len, "has a '%' that does not start a %XX escape "
		                      "(a password with '%'?): write '%' as %25");
	return query ? check_query(query + 1, why, len) : 0;
}

/* One keyword string value, libpq's way: quoted ('...', backslash
 * escapes) or up to the next blank (backslash escapes). Advances *p past
 * it; copies the decoded value to out when out is given. -1 on an open
 * quote. */
static int kv_value(const char **p, char *out, size_t outlen)
{
	const char *s = *p;
	size_t o = 0;
	int quoted = *s == '\'';
	if (quoted)
		s++;
	for (;;) {
		if (!*s) {
			if (quoted)
				return -1;
			break;
		}
		if (!quoted && isspace((unsigned char)*s))
			break;
		if (quoted && *s == '\'') {
			s++;
			break;
		}
		if (*s == '\\' && s[1])
			s++;
		if (out && o + 1 < outlen)
			out[o++] = *s;
		s++;
	}
	if (out && outlen)
		out[o] = '\0';
	*p = s;
	return 0;
}

static void skip_blanks(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

static int check_keywords(const char *s, char *why, size_t len)
{
	char value[1024];
	for (skip_blanks(&s); *s; skip_blanks(&s)) {
		size_t k = strcspn(s, "= \t\r\n\f\v");
		int is_password = k == 8 && strncmp(s, "password", 8) == 0;
		s += k;
		skip_blanks(&s);
		if (k == 0 || *s != '=')
			return fail(why, len, "is neither a postgresql:// URI nor "
			                      "key=value pairs (a value with a blank, such "
			                      "as a password, must be in single quotes)");
		s++;
		skip_blanks(&s);
		if (kv_value(&s, value, sizeof value) != 0)
			return fail(why, len, "has a quote that is never closed (write "
			                      "a quote inside a value as \\')");
		/* (a password may hold anything, quoted) */
		if (!is_password && strstr(value, "://"))
			return fail(why, len, "holds a URI inside a key=value pair (such as "
			                      "dbname=postgresql://...): set the variable to "
			                      "the URI itself");
	}
	return 0;
}

int conninfo_check(const char *url, char *why, size_t whylen)
{
	if (!url)
		return 0;
	size_t pre = uri_prefix(url);
	if (pre)
		return check_uri(url + pre, why, whylen);
	/* "key=..." is a keyword string (even if a value holds a URI). */
	const char *s = url;
	skip_blanks(&s);
	size_t k = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
	const char *after = s + k;
	skip_blanks(&after);
	if (strstr(url, "://") && !(k && *after == '='))
		return fail(why, whylen, "is a URI that does not start with "
		                         "postgresql:// or postgres://, the only "
		                         "ones libpq reads");
	return check_keywords(url, why, whylen);
}

static void percent_decode(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		unsigned v;
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2]) && sscanf(s + i + 1, "%2x", &v) == 1) {
			out[o++] = (char)v;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

static void copy_n(char *out, size_t len, const char *s, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The password of a URI (after its prefix): libpq's reading when the
 * URI passes conninfo_check(), else what the user meant (the user info
 * up to the last '@'), so that a refused URI is still redacted. */
static void uri_password(const char *s, int as_libpq, char *raw, size_t len)
{
	const char *at = NULL;
	if (as_libpq) {
		at = memchr(s, '@', strcspn(s, "/"));
	} else if ((at = strchr(s, '@')) != NULL) {
		const char *q = strchr(at, '?');
		for (const char *p = at; *p && (!q || p < q); p++)
			if (*p == '@')
				at = p;
	}
	const char *colon = at ? memchr(s, ':', (size_t)(at - s)) : NULL;
	if (colon) {
		copy_n(raw, len, colon + 1, (size_t)(at - colon - 1));
		return;
	}
	const char *q = strstr(s, "password=");
	if (q && (q[-1] == '?' || q[-1] == '&'))
		copy_n(raw, len, q + 9, strcspn(q + 9, "&"));
}

void conninfo_password(const char *url, char *raw, char *decoded, size_t len)
{
	raw[0] = decoded[0] = '\0';
	if (!url)
		return;
	char why[8];
	int ok = conninfo_check(url, why, sizeof why) == 0;
	size_t pre = uri_prefix(url);
	if (pre) {
		uri_password(url + pre, ok, raw, len);
		percent_decode(raw, strlen(raw), decoded, len);
		return;
	}
	const char *s = url;
	char value[1024];
	for (skip_blanks(&s); *s; skip_blanks(&s)) {
		size_t k = strcspn(s, "= \t\r\n\f\v");
		int is_password = k == 8 && strncmp(s, "password", 8) == 0;
		s += k;
		skip_blanks(&s);
		if (*s != '=')
			break;
		s++;
		skip_blanks(&s);
		const char *start = s;
		if (kv_value(&s, value, sizeof value) != 0)
			break;
		if (is_password) {
			copy_n(raw, len, start, (size_t)(s - start));
			copy_n(decoded, len, value, strlen(value));
			return;
		}
	}
	/* No password keyword: one inside a URI written as a value (refused
	 * by conninfo_check, but redacted all the same). */
	const char *uri = strstr(url, "://");
	if (uri) {
		uri_password(uri + 3, 0, raw, len);
		percent_decode(raw, strlen(raw), decoded, len);
	}
}
