/* `fixingahole top PID|SESSION`: a full-screen live view of a running
 * Python process, as top is for processes: its hottest functions, lines
 * and threads over the last few seconds and since the view began. Text
 * summaries as `watch` prints them when stdout is not a terminal. */
#ifndef FAH_CLIENT_TOP_CMD_H
#define FAH_CLIENT_TOP_CMD_H

/* argv[1] is "top". Returns the exit status for main: 0, or EXIT_*. */
int top_cmd_main(int argc, char **argv);

#endif
