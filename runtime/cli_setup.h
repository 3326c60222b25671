/* cli_setup.h - `syncfn setup`: validates the environment, creates (or
 * updates) the schedule, triggers one test sync through QStash and prints
 * how to manage it. argv holds the words after "setup". Returns the
 * process exit status: 0 ok, 1 QStash refused or unreachable, 2 bad usage
 * or configuration. */
#ifndef SYNCFN_CLI_SETUP_H
#define SYNCFN_CLI_SETUP_H

#include "config.h"

int cli_setup(const struct config *cfg, int argc, char **argv);

#endif
