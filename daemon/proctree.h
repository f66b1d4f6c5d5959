/* The profiled process's tree: the target and every descendant, found
 * through /proc at each tick (no ptrace event, nothing done to any process),
 * with the facts the process table reports: parent, command line,
 * lifetime, CPU time and peak RSS. A process is a member from the first
 * tick that sees it until the first that finds it gone or a zombie; a
 * descendant whose parent exited before it was seen (reparented to init)
 * is not found. */
#ifndef FAH_DAEMON_PROCTREE_H
#define FAH_DAEMON_PROCTREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROCTREE_COMMAND_MAX 512

struct proctree_proc {
    pid_t pid, ppid;
    int root;             /* the session's target */
    int exited;           /* gone or a zombie: its facts are final */
    int born_within;      /* started after the session did: all its CPU is the
                             session's (an attached process's older children
                             are not) */
    uint64_t start_ns;    /* CLOCK_MONOTONIC when first seen */
    uint64_t boot_start_ns; /* its start, from its stat (CLOCK_BOOTTIME, to the
                               clock tick): tells a zombie still listed as a
                               child from a new process with its pid */
    unsigned threads;     /* its thread count at the last scan (stat) */
    uint64_t end_ns;      /* when found exited, 0 before */
    uint64_t cpu_ns;      /* user + system CPU, as last read (every scan) */
    uint64_t max_rss;     /* peak RSS (VmHWM) bytes, as last read (each scan
                             of its first ten, then when rss passes it and
                             every hundredth); 0 unknown */
    unsigned scans;       /* scans it was alive at */
    uint64_t image_mark;  /* from its stat at the last scan: changes when it
                             execs (its command name and the addresses of
                             its code, stack, heap, arguments and
                             environment); 0 unknown */
    int stat_fd;          /* its /proc/PID/stat, kept open while it lives */
    char command[PROCTREE_COMMAND_MAX];
    uint64_t reported;    /* the caller's: what it last said of it, 0 nothing */
    int reported_final;   /* the caller's: it said so after the exit */
};

struct proctree;

/* follow_children 0: the tree is the root alone. NULL when out of memory. */
struct proctree *proctree_new(pid_t root, int follow_children, uint64_t now_ns);
void proctree_free(struct proctree *t);

/* Finds processes new to the tree, marks those that exited and reads the
 * facts of the others, at most every PROCTREE_SCAN_GAP_NS (at high rates
 * the ticks between find nothing new: the tree is not searched 1000 times a
 * second), or now when forced (the session's end: final facts). Returns
 * 1 when it scanned, 0 when it was not time yet, or -ENOMEM. */
#define PROCTREE_SCAN_GAP_NS 10000000u
int proctree_scan(struct proctree *t, uint64_t now_ns, int force);

/* The members (exited ones included, in the order they were found: the
 * root first). Pointers stay valid until the next scan. */
size_t proctree_count(const struct proctree *t);
struct proctree_proc *proctree_at(struct proctree *t, size_t i);

#endif
