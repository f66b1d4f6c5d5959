/* The Linux TID of a Python thread whose interpreter records only its
 * pthread_t (up to 3.10, no native_thread_id). With glibc a pthread_t is the
 * address of the thread's struct pthread, which holds the TID at an offset
 * that depends on the glibc build: found by search, confirmed, cached.
 * A thread state whose TID was found once keeps it while the process lists
 * that TID: its struct pthread is not read again at every listing. */
#ifndef FAH_DAEMON_TIDFIND_H
#define FAH_DAEMON_TIDFIND_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/pywalk.h"
#include "daemon/rmem.h"

/* Thread states known by their TIDs, at most this many. */
#define TIDFIND_KNOWN 64

/* A thread state and the TID found for it. tstate->id is never reused by
 * another thread state: a new thread in a freed one's memory, on a reused
 * struct pthread, is not taken for the old one. */
struct tidfind_known {
    uint64_t tstate, unique_id, pthread_id;
    uint32_t tid;
};

struct tidfind {
    pid_t pid;  /* the target: its main thread's TID is the pid */
    int offset; /* of the TID in struct pthread; -1 until confirmed */
    int nknown;
    struct tidfind_known known[TIDFIND_KNOWN];
};

void tidfind_init(struct tidfind *tf, pid_t pid);

/* Sets threads[i].tid from the struct pthread at threads[i].pthread_id;
 * tids lists the process's tasks. A thread whose TID cannot be found gets
 * tid 0. The offset is cached once two threads or more agree on it. When
 * every thread has a unique_id and is known with a TID tids still lists,
 * nothing is read. */
void tidfind_resolve(struct tidfind *tf, const struct rmem *mem, struct pywalk_thread *threads,
                     int n, const uint32_t *tids, int ntids);

#endif
