/* cli_status.h - `syncfn status [--limit N] [--json]`: the run log's
 * summary and latest runs as a table a person reads (--json: the status
 * route's answer). argv holds the words after "status". Returns the exit
 * status: 0, 1 when the run log cannot be read, 2 bad usage. */
#ifndef SYNCFN_CLI_STATUS_H
#define SYNCFN_CLI_STATUS_H

#include <stddef.h>

#include "config.h"

int cli_status(const struct config *cfg, int argc, char **argv);

struct cJSON;
/* One run of the run log (an element of the status answer's "runs") as
 * one line: its outcome, duration and counts, or the error's first line. */
void cli_status_describe(const struct cJSON *run, char *out, size_t len);

#endif
