/* A process's memory mappings as /proc/PID/maps lists them. */
#ifndef FAH_SYMBOLS_PROCMAPS_H
#define FAH_SYMBOLS_PROCMAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procmap {
    uint64_t start;  /* [start, end) in the process */
    uint64_t end;
    uint64_t offset; /* file offset mapped at start */
    uint64_t inode;
    char perms[5];   /* "r-xp" */
    int deleted;     /* the file was unlinked after mapping (" (deleted)") */
    char *path;      /* owned; without " (deleted)"; NULL for anonymous
                      * mappings, "[heap]"-style names kept as they are */
};

struct procmaps {
    struct procmap *maps; /* owned, in address order */
    size_t count;
};

/* Reads /proc/PID/maps (empty for a kernel thread). Returns 0, -ESRCH when
 * the process does not exist,
 * other negative errno codes otherwise, with err filled. Free the result with
 * procmaps_free even on failure. */
int procmaps_read(pid_t pid, struct procmaps *out, char *err, size_t errlen);

/* Parses maps text from `path` (a /proc/PID/maps or a saved copy). */
int procmaps_read_file(const char *path, struct procmaps *out, char *err, size_t errlen);

/* Parses one line of maps text into *map (map->path is allocated). Returns 0,
 * -EINVAL for a malformed line, -ENOMEM. */
int procmaps_parse_line(const char *line, struct procmap *map);

void procmaps_free(struct procmaps *maps);

/* True when the mapping is file-backed (its path starts with '/'). */
int procmap_is_file(const struct procmap *map);

#endif
