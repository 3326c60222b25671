/* cli_timeout.h - the warning `syncfn setup` and `syncfn schedule create`
 * give when SYNC_TIMEOUT is below twice the slowest recent successful
 * sync (from the run log, when TARGET_DATABASE_URL is set): QStash would
 * cut such attempts and retry while the sync still runs. */
#ifndef SYNCFN_CLI_TIMEOUT_H
#define SYNCFN_CLI_TIMEOUT_H

#include "config.h"

/* "30s", "5m", "1h", "2d" or plain seconds -> seconds; -1 if malformed. */
long cli_timeout_seconds(const char *text);

/* Prints the warning on stderr when it applies; silent otherwise. */
void cli_warn_sync_timeout(const struct config *cfg);

#endif
