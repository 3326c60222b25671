/* test_runtime_conninfo.c - database URLs that libpq would misread are
 * refused (issue 11), and the passwords the redactor hides. */
#include "conninfo.h"
#include "harness.h"

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
	/* The examples. */
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

TEST_MAIN(CASE(accepted_as_libpq_reads_them) CASE(refused_with_the_fix)
          CASE(messages_never_quote_the_string) CASE(passwords_for_the_redactor))
