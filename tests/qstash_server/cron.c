/* cron.c - 5-field cron expressions as QStash accepts them: numbers,
 * '*', ranges, steps and lists; an optional "CRON_TZ=Zone " prefix is
 * accepted, and the expression is then evaluated in UTC (this server's
 * simplification, documented in the README). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qdev.h"

/* Parses one field into bits [lo, hi]; 0 on success. */
static int field(const char *f, int lo, int hi, unsigned long long *bits,
                 int *star)
{
	*bits = 0;
	*star = strcmp(f, "*") == 0;
	char buf[128];
	if (strlen(f) >= sizeof buf)
		return -1;
	strcpy(buf, f);
	char *save = NULL;
	for (char *part = strtok_r(buf, ",", &save); part;
	     part = strtok_r(NULL, ",", &save)) {
		long a = lo, b = hi, step = 1;
		char *slash = strchr(part, '/'), *end;
		if (slash) {
			*slash = '\0';
			step = strtol(slash + 1, &end, 10);
			if (end == slash + 1 || *end || step < 1 || step > hi)
				return -1;
		}
		if (strcmp(part, "*") != 0) {
			a = strtol(part, &end, 10);
			if (end == part)
				return -1;
			b = a;
			if (*end == '-') {
				char *s2 = end + 1;
				b = strtol(s2, &end, 10);
				if (end == s2)
					return -1;
			} else if (slash) {
				b = hi;
			}
			if (*end || a < lo || b > hi || a > b)
				return -1;
		}
		for (long v = a; v <= b; v += step)
			*bits |= 1ULL << v;
	}
	return *bits ? 0 : -1;
}

int qdev_cron_parse(const char *text, struct qdev_cron *out, char *err,
                    size_t errlen)
{
	char buf[256];
	const char *t = text;
	memset(out, 0, sizeof *out);
	if (strncmp(t, "CRON_TZ=", 8) == 0) {
		t = strchr(t, ' ');
		if (!t) {
			snprintf(err, errlen, "invalid cron: CRON_TZ without an expression");
			return -1;
		}
	}
	while (isspace((unsigned char)*t))
		t++;
	if (strlen(t) >= sizeof buf) {
		snprintf(err, errlen, "invalid cron: too long");
		return -1;
	}
	strcpy(buf, t);
	char *f[6], *save = NULL;
	int n = 0;
	for (char *p = strtok_r(buf, " \t", &save); p && n < 6;
	     p = strtok_r(NULL, " \t", &save))
		f[n++] = p;
	if (n != 5) {
		snprintf(err, errlen, "invalid cron expression \"%.100s\": want 5 fields", text);
		return -1;
	}
	unsigned long long b;
	int star, ok = 0;
	ok |= field(f[0], 0, 59, &out->minute, &star);
	ok |= field(f[1], 0, 23, &b, &star);
	out->hour = (unsigned)b;
	ok |= field(f[2], 1, 31, &b, &out->dom_star);
	out->dom = (unsigned)b;
	ok |= field(f[3], 1, 12, &b, &star);
	out->month = (unsigned)b;
	ok |= field(f[4], 0, 7, &b, &out->dow_star);
	if (b & (1ULL << 7))
		b |= 1;
	out->dow = (unsigned)(b & 0x7f);
	if (ok) {
		snprintf(err, errlen, "invalid cron expression \"%.100s\"", text);
		return -1;
	}
	return 0;
}

int qdev_cron_matches(const struct qdev_cron *c, const struct tm *t)
{
	if (!(c->minute & (1ULL << t->tm_min)) || !(c->hour & (1U << t->tm_hour)) ||
	    !(c->month & (1U << (t->tm_mon + 1))))
		return 0;
	int dom = (c->dom >> t->tm_mday) & 1, dow = (c->dow >> t->tm_wday) & 1;
	/* Classic cron: when both day fields are restricted, either matches. */
	if (!c->dom_star && !c->dow_star)
		return dom || dow;
	return dom && dow;
}
