/* The script's end mark: the bootstrap writes, when the script's own code
 * has ended and before the interpreter tears down, CLOCK_MONOTONIC in
 * nanoseconds, in decimal, to a file the client names in its PROFILE
 * request. The daemon reads it once, at the session's end, and relays it in
 * the stream (PROTO_SCRIPT_END) so that every reader of the stream, the
 * owner and its watchers, cuts the memory timelines at the same moment. */
#ifndef FAH_DAEMON_ENDMARK_H
#define FAH_DAEMON_ENDMARK_H

#include <stdint.h>
#include <sys/types.h>

/* Reads the mark from path, which must be a regular file owned by uid (or
 * uid is 0), not a symbolic link, and hold one decimal number. Returns 0
 * with *ns set, -ENOENT when it is not (yet) there, or another negative
 * errno code when it is not a mark. */
int endmark_read(const char *path, uid_t uid, uint64_t *ns);

#endif
