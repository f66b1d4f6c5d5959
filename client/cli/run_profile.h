/* The `fixingahole profile` command, from parsed options to exit status. */
#ifndef FAH_CLIENT_RUN_PROFILE_H
#define FAH_CLIENT_RUN_PROFILE_H

#include "client/cli/cli.h"

/* Returns the exit status for main: the script's own, or an EXIT_* code. */
int run_profile(const struct profile_options *opts);

#endif
