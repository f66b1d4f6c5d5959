/* Starting the script's process so that the daemon can watch it from its
 * first instruction: the child names the daemon as its tracer (for Yama's
 * ptrace_scope=1), stops itself, and execs the interpreter only once the
 * client continues it. Environment, arguments and standard streams are the
 * client's own, untouched. */
#ifndef FAH_CLIENT_SPAWN_H
#define FAH_CLIENT_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct spawned {
    pid_t pid;
    int exec_fd; /* reports an exec failure; EOF once the exec succeeded */
};

/* Forks and waits until the child has stopped itself. Returns 0 or a
 * negative errno code with err filled. */
int spawn_stopped(char *const argv[], pid_t tracer, struct spawned *out, char *err,
                  size_t errlen);

/* Continues the child and waits for its exec. Returns 0, or the negative
 * errno of a failed exec with err filled (the child has then exited 127). */
int spawn_resume(struct spawned *child, const char *program, char *err, size_t errlen);

#endif
