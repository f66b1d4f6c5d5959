/* `fixingahole sessions`, `fixingahole stop SESSION` and `fixingahole watch
 * SESSION`: the daemon's sessions seen from any terminal of their owner. */
#ifndef FAH_CLIENT_SESSION_CMD_H
#define FAH_CLIENT_SESSION_CMD_H

/* argv[1] is the command. Each returns the exit status for main. */
int session_cmd_list(int argc, char **argv);
int session_cmd_stop(int argc, char **argv);
int session_cmd_watch(int argc, char **argv);

#endif
