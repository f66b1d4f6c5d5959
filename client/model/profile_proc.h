/* The processes of a profiled tree (the script and its descendants), as
 * the daemon reported them (PROTO_PROCESS), for the process table, and
 * which process each thread belongs to. */
#ifndef FAH_CLIENT_PROFILE_PROC_H
#define FAH_CLIENT_PROFILE_PROC_H

#include <stddef.h>
#include <stdint.h>

struct profile_process {
    int32_t pid, ppid;
    int root;      /* the profiled process itself */
    int python;    /* sampled as Python */
    int exited;    /* had exited when last reported */
    double start_s, end_s;   /* since the session's start; end 0 while it ran on */
    double cpu_s;            /* user + system CPU */
    uint64_t max_rss_bytes;  /* peak RSS, 0 unknown */
    char *command;
    char *python_version;    /* "" when not sampled */
    char *note;              /* why it was not sampled, "" when it was */
};

struct profile_processes {
    struct profile_process *items;
    size_t count;
};

void profile_processes_free(struct profile_processes *ps);

/* Records what is known of a process, replacing an earlier record of the
 * same pid; the strings are copied. Returns 0 or -ENOMEM. */
int profile_process_set(struct profile_processes *ps, const struct profile_process *proc);

/* The record of pid, or NULL. */
const struct profile_process *profile_process_find(const struct profile_processes *ps,
                                                   int32_t pid);

/* A process's lifetime in seconds, given the run's wall time for one
 * still running at the end. */
double profile_process_lifetime(const struct profile_process *proc, double wall_seconds);

/* A process's command as the user wrote it, into out[0..len): the
 * program by its name, and the script's (and its forks') bootstrap left
 * out ("/usr/bin/python3 .../fixingahole_bootstrap.py OPTIONS -- SCRIPT
 * ARGS" shows as "python3 SCRIPT ARGS"). */
void profile_process_display_command(const char *command, char *out, size_t len);

#endif
