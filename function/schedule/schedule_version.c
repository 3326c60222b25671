/* schedule_version.c - the libcurl version, for `syncfn --version`
 * (schedule.h). */
#include <curl/curl.h>

#include "schedule.h"

const char *schedule_libcurl_version(void)
{
	return curl_version_info(CURLVERSION_NOW)->version;
}
