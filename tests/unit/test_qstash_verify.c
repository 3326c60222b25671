/* test_qstash_verify.c - the verifier against two tokens that production
 * QStash issued in 2022, with the clock set
 * back to their issue time.
 *
 * The same program has a second use: `test_qstash_verify --check ...`
 * verifies one token made by tests/lib/qstash_tokens.sh with openssl and
 * prints "ok" or "401: <reason>" (`--check-lines`: one per line of stdin),
 * so the shell case table drives the verifier directly as well as over
 * HTTP (tests/cases/qstash_verify.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "qstash_verify.h"

#define CUR "sig_55CLgfUo1cbmvP6kZ2Z3WU4fQ1A3"
#define NEXT "sig_7E7ZLVMTgAp7hMkz9qPRHXj44xnB"
#define SUB "https://rebaz-qstash.requestcatcher.com/test"

static const char hello_body[] = "Hello World";
static const char hello_token[] =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiIiLCJib2R5IjoicFpHbTFB"
	"djBJRUJLQVJjeno3ZXhrTllzWmI4THphTXJWN0ozMmEyZkZHND0iLCJleHAiOjE2NjQ3MT"
	"M0NjQsImlhdCI6MTY2NDcxMzE2NCwiaXNzIjoiVXBzdGFzaCIsImp0aSI6Imp3dF82dVpv"
	"N1VMV3I5TXVlellTb1R2eGlZRUtZSG9CIiwibmJmIjoxNjY0NzEzMTY0LCJzdWIiOiJodH"
	"RwczovL3JlYmF6LXFzdGFzaC5yZXF1ZXN0Y2F0Y2hlci5jb20vdGVzdCJ9.bCqTHNMDIXx"
	"kvOP1b66t00lwF405LLayzHndSXirDlM";
#define HELLO_IAT 1664713164
#define HELLO_EXP 1664713464

static const char dart_body[] = "{\"name\": \"rebaz\", \"language\": \"dart\"}";
static const char dart_token[] =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiIiLCJib2R5IjoieWJVbHl6"
	"Y3pUM3ZxTG4yRG9lT1ZqUnRWX2RKN3ZsZGdlTE9xZW14TVFmRT0iLCJleHAiOjE2NjQ3MT"
	"QyMTcsImlhdCI6MTY2NDcxMzkxNywiaXNzIjoiVXBzdGFzaCIsImp0aSI6Imp3dF82c1J5"
	"akpLQ1RDUXhFRUxYZWl3R2M3emRwUUtCIiwibmJmIjoxNjY0NzEzOTE3LCJzdWIiOiJodH"
	"RwczovL3JlYmF6LXFzdGFzaC5yZXF1ZXN0Y2F0Y2hlci5jb20vdGVzdCJ9.FgUxFucnrIQ"
	"QOkcH82UT4gZ5XLaN5j28JwZYFPvu0q0";
#define DART_IAT 1664713917
#define DART_EXP 1664714217

static char err[256];

static int verify(const char *cur, const char *next, const char *sub,
                  long tol, time_t now, const char *token, const char *body)
{
	struct qstash_verify_opts o = { cur, next, sub, tol, now };
	memset(err, 0, sizeof err);
	int rc = qstash_verify(&o, token, strlen(token),
	                       (const unsigned char *)body, strlen(body), err,
	                       sizeof err);
	/* Whatever happened, no part of a key may be in the message. */
	CHECK(!strstr(err, "sig_"));
	CHECK(!strstr(err, &CUR[4]) && !strstr(err, &NEXT[4]));
	return rc;
}

TEST(production_tokens_accepted_at_issue_time)
{
	CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_IAT, hello_token, hello_body), 0);
	CHECK_STR(err, "");
	CHECK_INT(verify(CUR, NEXT, SUB, 0, DART_IAT, dart_token, dart_body), 0);
	CHECK_INT(verify(CUR, NULL, SUB, 5, HELLO_IAT, hello_token, hello_body), 0);
	CHECK_INT(verify(CUR, NULL, NULL, 5, DART_IAT, dart_token, dart_body), 0);
	/* The last second before exp, and with the tolerance. */
	CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_EXP - 1, hello_token, hello_body), 0);
	CHECK_INT(verify(CUR, NEXT, SUB, 5, HELLO_EXP + 4, hello_token, hello_body), 0);
	/* Their nbf is their iat: within tolerance before it is fine. */
	CHECK_INT(verify(CUR, NEXT, SUB, 5, DART_IAT - 5, dart_token, dart_body), 0);
}

TEST(production_tokens_rejected_with_only_the_next_key)
{
	CHECK_INT(verify(NULL, NEXT, SUB, 0, HELLO_IAT, hello_token, hello_body), -1);
	CHECK_CONTAINS(err, "signature does not match the next signing key");
	CHECK_CONTAINS(err, "QSTASH_CURRENT_SIGNING_KEY is not set");
	CHECK_INT(verify("", NEXT, SUB, 0, DART_IAT, dart_token, dart_body), -1);
	CHECK_CONTAINS(err, "signature does not match");
	CHECK_INT(verify("sig_wrongwrongwrongwrongwrong", NEXT, SUB, 0, HELLO_IAT,
	                 hello_token, hello_body), -1);
	CHECK_CONTAINS(err, "signature matches neither the current nor the next");
	CHECK_INT(verify(NEXT, NULL, SUB, 0, DART_IAT, dart_token, dart_body), -1);
	CHECK_CONTAINS(err, "signature does not match the current signing key");
}

TEST(production_tokens_next_key_is_tried_second)
{
	/* After a rotation the key that signed is the "next" one here. */
	CHECK_INT(verify(NEXT, CUR, SUB, 0, HELLO_IAT, hello_token, hello_body), 0);
	CHECK_INT(verify("sig_wrongwrongwrongwrongwrong", CUR, SUB, 0, DART_IAT,
	                 dart_token, dart_body), 0);
	/* A key is its exact bytes: no trimming, no prefix handling. */
	CHECK_INT(verify(CUR " ", NULL, SUB, 0, HELLO_IAT, hello_token, hello_body), -1);
	CHECK_INT(verify(&CUR[4], NULL, SUB, 0, HELLO_IAT, hello_token, hello_body), -1);
}

TEST(production_tokens_rejected_after_exp_plus_tolerance)
{
	CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_EXP, hello_token, hello_body), -1);
	CHECK_CONTAINS(err, "token expired at 1664713464");
	CHECK_INT(verify(CUR, NEXT, SUB, 5, HELLO_EXP + 5, hello_token, hello_body), -1);
	CHECK_CONTAINS(err, "tolerance 5 s");
	CHECK_INT(verify(CUR, NEXT, SUB, 5, DART_EXP + 5, dart_token, dart_body), -1);
	CHECK_CONTAINS(err, "token expired at 1664714217");
	CHECK_INT(verify(CUR, NEXT, SUB, 5, 1800000000, dart_token, dart_body), -1);
	CHECK_CONTAINS(err, "expired");
	/* A negative tolerance counts as none. */
	CHECK_INT(verify(CUR, NEXT, SUB, -100, HELLO_EXP - 1, hello_token, hello_body), 0);
	/* Before nbf minus tolerance. */
	CHECK_INT(verify(CUR, NEXT, SUB, 5, DART_IAT - 6, dart_token, dart_body), -1);
	CHECK_CONTAINS(err, "not valid before 1664713917");
}

TEST(production_tokens_bind_body_and_destination)
{
	CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_IAT, hello_token, "Hello World!"), -1);
	CHECK_CONTAINS(err, "body hash does not match");
	CHECK_CONTAINS(err, "pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4=");
	CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_IAT, hello_token, "hello World"), -1);
	CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_IAT, hello_token, ""), -1);
	CHECK_INT(verify(CUR, NEXT, SUB, 0, DART_IAT, dart_token, hello_body), -1);
	CHECK_INT(verify(CUR, NEXT, SUB "/", 0, HELLO_IAT, hello_token, hello_body), -1);
	CHECK_CONTAINS(err, "does not match the destination");
	CHECK_INT(verify(CUR, NEXT, "http://rebaz-qstash.requestcatcher.com/test", 0,
	                 HELLO_IAT, hello_token, hello_body), -1);
	CHECK_CONTAINS(err, "token sub " SUB);
	/* Empty expected_sub means "not configured", like NULL. */
	CHECK_INT(verify(CUR, NEXT, "", 0, HELLO_IAT, hello_token, hello_body), 0);
}

TEST(tampered_production_tokens_rejected)
{
	char t[sizeof hello_token];
	size_t n = strlen(hello_token);
	/* Flip one character in each segment, and cut or extend the token. */
	const size_t at[] = { 5, 100, n - 5 };
	for (size_t i = 0; i < 3; i++) {
		memcpy(t, hello_token, sizeof t);
		t[at[i]] = t[at[i]] == 'A' ? 'B' : 'A';
		CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_IAT, t, hello_body), -1);
	}
	memcpy(t, hello_token, sizeof t);
	t[n - 1] = '\0';
	CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_IAT, t, hello_body), -1);
	CHECK_CONTAINS(err, "signature");
}

TEST(no_keys_and_no_token)
{
	CHECK_INT(verify(NULL, NULL, SUB, 0, HELLO_IAT, hello_token, hello_body), -1);
	CHECK_CONTAINS(err, "QSTASH_CURRENT_SIGNING_KEY");
	CHECK_CONTAINS(err, "QSTASH_NEXT_SIGNING_KEY");
	CHECK_INT(verify("", "", SUB, 0, HELLO_IAT, hello_token, hello_body), -1);
	CHECK_CONTAINS(err, "no signing keys configured");
	CHECK_INT(verify(CUR, NEXT, SUB, 0, HELLO_IAT, "", hello_body), -1);
	CHECK_CONTAINS(err, "missing");
	/* A NULL error buffer and a NULL empty body are fine. */
	struct qstash_verify_opts o = { CUR, NEXT, NULL, 0, HELLO_IAT };
	CHECK_INT(qstash_verify(&o, hello_token, strlen(hello_token), NULL, 0,
	                        NULL, 0), -1);
	CHECK_INT(qstash_verify(NULL, hello_token, strlen(hello_token),
	                        (const unsigned char *)hello_body,
	                        strlen(hello_body), err, sizeof err), -1);
	/* A tiny buffer gets a truncated, terminated message. */
	char small[8];
	CHECK_INT(qstash_verify(&o, "a.b", 3, NULL, 0, small, sizeof small), -1);
	CHECK_INT(strlen(small), 7);
}

TEST(token_length_limit)
{
	/* The length given is what counts, not the NUL. */
	struct qstash_verify_opts o = { CUR, NEXT, SUB, 0, HELLO_IAT };
	CHECK_INT(qstash_verify(&o, hello_token, QSTASH_MAX_TOKEN + 1,
	                        (const unsigned char *)hello_body,
	                        strlen(hello_body), err, sizeof err), -1);
	CHECK_CONTAINS(err, "over the 4096-byte limit");
	CHECK_INT(qstash_verify(&o, hello_token, strlen(hello_token) - 1,
	                        (const unsigned char *)hello_body,
	                        strlen(hello_body), err, sizeof err), -1);
}

/* --check: one token from the shell case table. Arguments are
 * CURRENT NEXT SUB TOLERANCE NOW TOKEN_FILE BODY_FILE, "-" for unset. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static const char *arg(const char *s) { return strcmp(s, "-") == 0 ? NULL : s; }

/* One check: a[0..6] are CURRENT NEXT SUB TOLERANCE NOW TOKEN_FILE
 * BODY_FILE; prints "ok" or "401: <reason>"; -1 when a file is unreadable. */
static int check_one(char **a)
{
	size_t tlen, blen;
	char *token = slurp(a[5], &tlen), *body = slurp(a[6], &blen);
	if (!token || !body) {
		fprintf(stderr, "cannot read %s or %s\n", a[5], a[6]);
		free(token);
		free(body);
		return -1;
	}
	struct qstash_verify_opts o = { arg(a[0]), arg(a[1]), arg(a[2]),
	                                atol(a[3]), (time_t)atoll(a[4]) };
	char why[256];
	if (qstash_verify(&o, token, tlen, (unsigned char *)body, blen, why,
	                  sizeof why) == 0)
		printf("ok\n");
	else
		printf("401: %s\n", why);
	fflush(stdout);
	free(token);
	free(body);
	return 0;
}

static int check_main(int argc, char **argv)
{
	if (argc != 9) {
		fprintf(stderr, "usage: %s --check CURRENT NEXT SUB TOLERANCE NOW "
		                "TOKEN_FILE BODY_FILE\n", argv[0]);
		return 2;
	}
	return check_one(argv + 2) == 0 ? 0 : 2;
}

/* --check-lines: the same check for each line of stdin, its seven
 * arguments separated by tabs; one process for the whole table (a
 * sanitizer build's start costs more than a check). */
static int check_lines_main(void)
{
	char line[8192];
	while (fgets(line, sizeof line, stdin)) {
		char *a[7], *save = NULL, *p = line;
		line[strcspn(line, "\n")] = '\0';
		int n = 0;
		for (char *t; n < 7 && (t = strtok_r(p, "\t", &save)); p = NULL)
			a[n++] = t;
		if (n != 7 || strtok_r(NULL, "\t", &save)) {
			fprintf(stderr, "--check-lines: not 7 tab-separated fields: %s\n", line);
			return 2;
		}
		if (check_one(a) != 0)
			return 2;
	}
	return 0;
}

#define CASES                                                                \
	CASE(production_tokens_accepted_at_issue_time)                       \
	CASE(production_tokens_rejected_with_only_the_next_key)              \
	CASE(production_tokens_next_key_is_tried_second)                     \
	CASE(production_tokens_rejected_after_exp_plus_tolerance)            \
	CASE(production_tokens_bind_body_and_destination)                    \
	CASE(tampered_production_tokens_rejected)                            \
	CASE(no_keys_and_no_token)                                           \
	CASE(token_length_limit)

int main(int argc, char **argv)
{
	static const struct harness_case cases[] = { CASES };
	if (argc > 1 && strcmp(argv[1], "--check") == 0)
		return check_main(argc, argv);
	if (argc == 2 && strcmp(argv[1], "--check-lines") == 0)
		return check_lines_main();
	return harness_main(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
