/* CPU time of threads no tick saw. A thread that starts and ends between
 * two ticks (a thread per request, a short-lived worker) is never
 * observed, and its CPU time would vanish from the profile without a
 * word. The process's CPU clock counts every thread's, living or gone:
 * what it gained beyond what the ticks charged to the threads they saw is
 * that time, reported as unattributed (PROTO_UNPLACED_SHORT_THREADS). */
#ifndef FAH_DAEMON_UNSEENCPU_H
#define FAH_DAEMON_UNSEENCPU_H

#include <stdint.h>
#include <sys/types.h>

struct unseen_cpu {
    int known;           /* the process's clock has been read once */
    uint64_t process_ns; /* its CPU clock at the last reading */
    uint64_t kernel_ns;  /* its kernel time (/proc/PID/stat) at the last report */
    uint64_t reported_ns; /* its CPU clock then */
    uint64_t charged_ns; /* CPU the ticks charged to threads since that reading */
    int64_t balance_ns;  /* what the clock gained beyond them, not yet reported */
};

/* A tick charged ns of CPU time to a thread it saw; or took it back (an
 * interval carried to the next tick, which charges it again). */
void unseencpu_charged(struct unseen_cpu *u, uint64_t ns);
void unseencpu_uncharged(struct unseen_cpu *u, uint64_t ns);

/* Reads the process's CPU clock and returns the CPU time to report as no
 * seen thread's (0: none yet), its kernel part in *kernel_ns. from_start:
 * the threads' clocks count from their start (a process born in the
 * session), and so does the first reading; else the first reading is the
 * origin. */
uint64_t unseencpu_take(struct unseen_cpu *u, pid_t pid, int from_start, uint64_t *kernel_ns);

#endif
