/* version.h - `syncfn --version`: the version, the commit it was built
 * from, and the versions of the five libraries it runs with (civetweb,
 * cJSON and mbedTLS in the binary; libpq and libcurl in the engines,
 * which are loaded to ask). */
#ifndef SYNCFN_VERSION_H
#define SYNCFN_VERSION_H

#include <stdio.h>

void version_print(FILE *out);

#endif
