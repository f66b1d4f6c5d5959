/* `fixingahole inspect PID|PYTHON`: what the profiler finds in a running
 * process or an interpreter binary (version, where the offsets come from,
 * the runtime's address), without profiling anything. */
#ifndef FAH_CLIENT_INSPECT_H
#define FAH_CLIENT_INSPECT_H

int inspect_main(int argc, char **argv);

#endif
