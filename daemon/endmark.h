/* The script's marks: the bootstrap writes CLOCK_MONOTONIC in nanoseconds,
 * in decimal, to a file the client names in its PROFILE request, once when
 * the script's own code starts ("START\n") and again when it has ended,
 * before the interpreter tears down ("START END\n"). The daemon reads it at
 * the session's end and relays both in the stream (PROTO_SCRIPT_SPAN), so
 * that every reader of the stream, the owner and its watchers, measures the
 * memory figures over the same span: growth from the start (the
 * interpreter's own start-up is not the script's growth), timelines cut at
 * the end. */
#ifndef FAH_DAEMON_ENDMARK_H
#define FAH_DAEMON_ENDMARK_H

#include <stdint.h>
#include <sys/types.h>

struct script_marks {
    uint64_t start_ns;
    uint64_t end_ns; /* 0: the script has not ended (or was cut short) */
};

/* Reads the marks from path, which must be a regular file owned by uid (or
 * uid is 0), not a symbolic link, and hold one or two decimal numbers, the
 * second not before the first. Returns 0 with *out set, -ENOENT when
 * nothing is there yet, or another negative errno code when it is not a
 * mark. */
int endmark_read(const char *path, uid_t uid, struct script_marks *out);

#endif
