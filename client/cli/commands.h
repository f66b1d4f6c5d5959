/* The commands that read earlier results: `fixingahole summarize
 * PROFILE.json [-n N] [-t PERCENT]` and `fixingahole stats FOLDER`. Each
 * returns the process's exit status. */
#ifndef FAH_CLIENT_COMMANDS_H
#define FAH_CLIENT_COMMANDS_H

int commands_summarize_main(int argc, char **argv);
int commands_stats_main(int argc, char **argv);

#endif
