/* `fixingahole attach PID [--duration SECONDS] [report options]`: profiles a
 * process that is already running, until the duration ends, Ctrl-C, or the
 * process exits, and writes the same results folder as `profile`. */
#ifndef FAH_CLIENT_ATTACH_H
#define FAH_CLIENT_ATTACH_H

/* argv[1] is "attach". Returns the exit status for main: 0, or EXIT_*. */
int attach_main(int argc, char **argv);

#endif
