/* Receiving a session's stream into a struct profile while the script
 * runs, and reaping the script when it ends. */
#ifndef FAH_CLIENT_COLLECT_H
#define FAH_CLIENT_COLLECT_H

#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "client/profile.h"

struct collect_result {
    int script_status;      /* 0-255, or 128+signal when killed */
    struct rusage usage;    /* the script's, from wait4 */
    double wall_seconds;    /* from resume to exit */
    int session_failed;     /* the daemon could not profile the target */
    int daemon_lost;        /* the connection broke before the session ended */
    char message[512];      /* why, for the two above */
};

/* Set by the client's SIGINT handler: the run is marked interrupted. */
extern volatile sig_atomic_t collect_interrupted;

/* Reads the stream from fd into p until the child has exited and the
 * daemon has ended the session (or gone away). Returns 0, or -ENOMEM. */
int collect_run(int fd, pid_t child, struct profile *p, struct collect_result *out);

#endif
