/* test_runtime_conninfo.c - database URLs that libpq would misread are
 * refused, and the passwords the redactor hides. */
#include "conninfo.h"
#include "harness.h"

#include <libpq-fe.h>

static const char *check(const char *url)
{
	static char why[400];
	why[0] = '\0';
	return conninfo_check(url, why, sizeof why) == 0 ? "ok" : why;
}

TEST(accepted_as_libpq_reads_them)
{
	CHECK_STR(check("postgresql://app:S3cret@db.example:5432/prod"), "ok");
	CHECK_STR(check("postgres://app:p%40ss%2Fw@db/prod?sslmode=require&connect_timeout=5"), "ok");
	CHECK_STR(check("postgresql://u:pw@h1:5432,h2:5433/db?target_session_attrs=read-write"), "ok");
	CHECK_STR(check("postgresql:///db?host=/var/run/postgresql"), "ok");
	CHECK_STR(check("postgresql://u:p?x@h/db"), "ok");
	CHECK_STR(check("host=127.0.0.1 port=5432 dbname=prod user=app password='a b\\'c'"), "ok");
	CHECK_STR(check("host = h  dbname=x"), "ok");
}

TEST(refused_with_the_fix)
{
	/* Passwords with a '/' or an '@' once read as a host. */
	CHECK_CONTAINS(check("postgresql://app:pass/word-Secret@db.example:5432/prod"),
	               "has a '/' inside its user name or password");
	CHECK_CONTAINS(check("postgresql://app:p@ss-Secret@host/db"),
	               "has an '@' inside its user name or password");
	CHECK_CONTAINS(check("dbname=postgresql://postgres:S3cret@127.0.0.1:1/slave"),
	               "set the variable to the URI itself");
	CHECK_CONTAINS(check("postgresql://app:pass/word-Secret@db/prod"), "%2F");
	CHECK_CONTAINS(check("postgresql://u:50%off@h/d"), "write '%' as %25");
	CHECK_CONTAINS(check("postgresql://u:p%00@h/d"), "%XX");
	CHECK_CONTAINS(check("postgres://h/d?password=x&y"), "not one key=value");
	CHECK_CONTAINS(check("postgresql://h?application_name=a@b"), "URI parameter");
	CHECK_CONTAINS(check("postgresql+psycopg://u:p@h/d"), "postgresql:// or postgres://");
	CHECK_CONTAINS(check("host=h password=ab cd"), "single quotes");
	CHECK_CONTAINS(check("host=h password='ab"), "never closed");
}

TEST(messages_never_quote_the_string)
{
	const char *urls[] = {
		"postgresql://app:pass/word-Secret@db.example:5432/prod",
		"postgresql://app:p@ss-Secret@host/db",
		"dbname=postgresql://postgres:S3cret@127.0.0.1:1/slave",
		"host=h password=Secret cd",
	};
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		const char *why = check(urls[i]);
		CHECK(strcmp(why, "ok") != 0);
		CHECK(!strstr(why, "Secret") && !strstr(why, "S3cret"));
	}
}

TEST(passwords_for_the_redactor)
{
	char raw[256], dec[256];
	conninfo_password("postgresql://app:s3cr%40t@db/prod", raw, dec, sizeof raw);
	CHECK_STR(raw, "s3cr%40t");
	CHECK_STR(dec, "s3cr@t");
	/* Refused URIs: the password the user meant, up to the last '@'. */
	conninfo_password("postgresql://app:pass/word-Secret@db:5432/prod", raw, dec, sizeof raw);
	CHECK_STR(raw, "pass/word-Secret");
	conninfo_password("postgresql://app:p@ss-Secret@host/db", raw, dec, sizeof raw);
	CHECK_STR(raw, "p@ss-Secret");
	conninfo_password("dbname=postgresql://postgres:S3cret@127.0.0.1:1/slave", raw, dec,
	                  sizeof raw);
	CHECK_STR(dec, "S3cret");
	conninfo_password("host=x password='kw \\'pass' user=z", raw, dec, sizeof raw);
	CHECK_STR(dec, "kw 'pass");
	conninfo_password("postgres://h/d?sslmode=disable&password=qp%21", raw, dec, sizeof raw);
	CHECK_STR(dec, "qp!");
}

/* What libpq itself reads from url: 1 when its user, password, host, port
 * and dbname are exactly the ones given (NULL: not set), -1 when libpq
 * refuses the string (the engine then refuses it before connecting). */
static int libpq_reads(const char *url, const char *user, const char *pw,
                       const char *host, const char *port, const char *db)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	if (!opts)
		return -1;
	const char *want[][2] = { { "user", user }, { "password", pw },
	                          { "host", host }, { "port", port },
	                          { "dbname", db } };
	int ok = 1;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		for (size_t i = 0; i < 5; i++) {
			if (strcmp(o->keyword, want[i][0]) != 0)
				continue;
			const char *v = o->val && *o->val ? o->val : NULL;
			const char *w = want[i][1];
			if ((v == NULL) != (w == NULL) || (v && strcmp(v, w) != 0))
				ok = 0;
		}
	PQconninfoFree(opts);
	return ok;
}

static void percent_encode(const char *s, char *out)
{
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			*out++ = *s;
		else
			out += sprintf(out, "%%%02X", (unsigned char)*s);
	}
	*out = '\0';
}

/* Every password of up to four characters mixing
 * @ / : ? # % = and blanks, written raw in a URI or a keyword string, is
 * either refused before connecting or read by libpq exactly as meant
 * (never a fragment as the host or the database); percent-encoded (or
 * quoted) it is always accepted and read right. */
TEST(every_password_is_refused_or_read_as_meant)
{
	static const char alphabet[] = "@/:?#%= x";
	const size_t na = sizeof alphabet - 1;
	const char *tails[][3] = {
		{ "db.example:5432/prod", "db.example", "5432" },
		{ "db.example/prod?sslmode=disable", "db.example", NULL },
	};
	long tried = 0, refused = 0;
	for (size_t len = 1; len <= 4; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= na;
		for (size_t n = 0; n < total; n++) {
			char pw[8], enc[40], url[200];
			size_t k = n;
			for (size_t i = 0; i < len; i++, k /= na)
				pw[i] = alphabet[k % na];
			pw[len] = '\0';
			percent_encode(pw, enc);
			for (size_t t = 0; t < 2; t++) {
				snprintf(url, sizeof url, "postgresql://u:%s@%s", pw,
				         tails[t][0]);
				tried++;
				if (strcmp(check(url), "ok") != 0)
					refused++;
				else if (libpq_reads(url, "u", pw, tails[t][1],
				                     tails[t][2], "prod") != 1) {
					fprintf(stderr, "misread: %s\n", url);
					CHECK(0);
				}
				snprintf(url, sizeof url, "postgresql://u:%s@%s", enc,
				         tails[t][0]);
				CHECK_STR(check(url), "ok");
				CHECK(libpq_reads(url, "u", pw, tails[t][1],
				                  tails[t][2], "prod") == 1);
			}
			/* keyword strings: raw (blanks separate values there, so
			 * a raw password with a blank can only be read without
			 * it, but never as another key), then single-quoted */
			snprintf(url, sizeof url, "host=db.example dbname=prod "
			         "user=u password=%s", pw);
			char trimmed[8];
			size_t b = strspn(pw, " "), e = strlen(pw);
			while (e > b && pw[e - 1] == ' ')
				e--;
			snprintf(trimmed, sizeof trimmed, "%.*s", (int)(e - b), pw + b);
			if (strcmp(check(url), "ok") == 0 &&
			    libpq_reads(url, "u", *trimmed ? trimmed : NULL,
			                "db.example", NULL, "prod") == 0) {
				fprintf(stderr, "misread: %s\n", url);
				CHECK(0);
			}
			snprintf(url, sizeof url, "host=db.example dbname=prod "
			         "user=u password='%s'", pw);
			CHECK_STR(check(url), "ok");
			CHECK(libpq_reads(url, "u", pw, "db.example", NULL, "prod") == 1);
		}
	}
	CHECK(refused > 0 && refused < tried);
	/* Once 8 of 12 characters were printed as a host
	 * and a database name. */
	CHECK_CONTAINS(check("postgresql://u:Xk9@vR2/qL7!@host:5432/prod"),
	               "more than one '@'");
	CHECK_CONTAINS(check("postgresql://u:pa/ss?host=a@host/db"),
	               "'/' inside its user name or password");
}

TEST_MAIN(CASE(accepted_as_libpq_reads_them) CASE(refused_with_the_fix)
          CASE(messages_never_quote_the_string) CASE(passwords_for_the_redactor)
          CASE(every_password_is_refused_or_read_as_meant))
