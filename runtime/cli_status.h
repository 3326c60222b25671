/* cli_status.h - `syncfn status [--limit N] [--json]`: the run log's
 * summary and latest runs as a table a person reads (--json: the status
 * route's answer). argv holds the words after "status". Returns the exit
 * status: 0, 1 when the run log cannot be read, 2 bad usage. */
#ifndef SYNCFN_CLI_STATUS_H
#define SYNCFN_CLI_STATUS_H

#include "config.h"

int cli_status(const struct config *cfg, int argc, char **argv);

#endif
