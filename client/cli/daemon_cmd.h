/* `fixingahole daemon status|stop`: the per-user daemon, seen and ended
 * from the command line. */
#ifndef FAH_CLIENT_DAEMON_CMD_H
#define FAH_CLIENT_DAEMON_CMD_H

int daemon_cmd_main(int argc, char **argv);

#endif
