/* cli_setup.h - `syncfn setup [--wait SECONDS]`: validates the
 * environment, runs the doctor's checks, creates (or updates) the
 * schedule, triggers one test sync through QStash, waits (bounded) for its
 * outcome in the run log and prints how to manage it. argv holds the words
 * after "setup". Returns the process exit status: 0 ready, 1 QStash
 * refused or unreachable, a database unreachable, or the test sync failed
 * or gave no result in time, 2 bad usage or configuration. */
#ifndef SYNCFN_CLI_SETUP_H
#define SYNCFN_CLI_SETUP_H

#include "config.h"

int cli_setup(const struct config *cfg, int argc, char **argv);

#endif
