/* Request ids: the platform's when sane, else random. */
#include <string.h>

#include "harness.h"
#include "request_id.h"

TEST(platform_ids_are_kept)
{
	char id[REQUEST_ID_MAX];
	request_id_make("01HZX-fly.abc:1", id);
	CHECK_STR(id, "01HZX-fly.abc:1");
}

TEST(unsafe_or_absurd_ids_are_replaced)
{
	char id[REQUEST_ID_MAX], other[REQUEST_ID_MAX];
	request_id_make("has space", id);
	CHECK_INT(strlen(id), 16);
	CHECK_INT(strspn(id, "0123456789abcdef"), 16);
	request_id_make("quote\"{}", other);
	CHECK(strcmp(id, other) != 0);
	char longid[200];
	memset(longid, 'a', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	request_id_make(longid, id);
	CHECK_INT(strlen(id), 16);
	request_id_make(NULL, id);
	CHECK_INT(strlen(id), 16);
	request_id_make("", id);
	CHECK_INT(strlen(id), 16);
}

TEST_MAIN(CASE(platform_ids_are_kept) CASE(unsafe_or_absurd_ids_are_replaced))
