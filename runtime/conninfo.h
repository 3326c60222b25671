/* conninfo.h - checks a database connection string the way libpq will
 * read it, without libpq (the program loads libpq only in the sync
 * engine, and must judge the variables before any connection).
 *
 * libpq reads a URI's user and password up to the first '@' before the
 * first '/': a raw '@' or '/' in a password makes it take the rest of the
 * password for the host or the database, which its errors (and ours)
 * then print. A keyword string with a stray word, an open quote, or a
 * URI inside a value is misread too. Such strings are configuration
 * errors, found here, before anything connects.
 */
#ifndef SYNCFN_CONNINFO_H
#define SYNCFN_CONNINFO_H

#include <stddef.h>

/* 0 when libpq reads url as written; else -1 and one line in why saying
 * what to change. The line never quotes the string. */
int conninfo_check(const char *url, char *why, size_t whylen);

/* The password in url as written (raw) and as libpq uses it (decoded:
 * %XX in a URI, quotes and backslashes in a keyword string), for the
 * log redactor; "" when there is none. */
void conninfo_password(const char *url, char *raw, char *decoded, size_t len);

#endif
