/* A session's wait for its next tick: until a deadline, or until one of
 * the few descriptors it listens to (the client, the heap link, the
 * target's exit) has something. One epoll set kept across ticks: at
 * 1 kHz a ppoll of three descriptors spent about 1 us a tick building and
 * tearing down their wait queues, 8% of the wait itself. */
#ifndef FAH_DAEMON_TICKWAIT_H
#define FAH_DAEMON_TICKWAIT_H

#include <stdint.h>

enum tickwait_role { TICKWAIT_CLIENT, TICKWAIT_HEAP, TICKWAIT_EXIT, TICKWAIT_ROLES };

struct tickwait {
    int epoll_fd;               /* -1: closed */
    int fd[TICKWAIT_ROLES];     /* registered in the set, -1 none */
};

/* 0, or a negative errno code (no epoll set could be made). */
int tickwait_open(struct tickwait *w);
void tickwait_close(struct tickwait *w);

/* The descriptor a role listens to now (-1: none). Call before each wait
 * with the current one: a change re-registers it. The caller still owns
 * and closes it. Closing it takes it out of the set (epoll forgets a
 * file once it is closed), but a descriptor closed and another opened
 * under the same number must be followed as -1 in between. */
void tickwait_follow(struct tickwait *w, enum tickwait_role role, int fd);

/* Waits until deadline_ns (CLOCK_MONOTONIC) or readiness. Returns a mask
 * of the roles ready (1 << role), 0 at the deadline, or a negative errno
 * code (-EINTR included). */
int tickwait_wait(struct tickwait *w, uint64_t deadline_ns);

#endif
