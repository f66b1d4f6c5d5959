/* Parsing /proc/PID/maps: "start-end perms offset dev inode   path", where
 * the path may hold spaces and ends in " (deleted)" once the file has been
 * unlinked. */
#include "symbols/procmaps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char deleted_suffix[] = " (deleted)";

int procmaps_parse_line(const char *line, struct procmap *map)
{
    uint64_t start, end, offset, inode;
    char perms[8];
    int pathpos = -1;
    size_t len;

    memset(map, 0, sizeof(*map));
    /* %n after the inode tells where the (optional) path starts. */
    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %" SCNu64 "%n", &start, &end,
               perms, &offset, &inode, &pathpos) != 5 ||
        pathpos < 0 || end < start || strlen(perms) != 4)
        return -EINVAL;
    map->start = start;
    map->end = end;
    map->offset = offset;
    map->inode = inode;
    memcpy(map->perms, perms, 5);

    line += pathpos;
    while (*line == ' ' || *line == '\t')
        line++;
    len = strcspn(line, "\n");
    if (len == 0)
        return 0;
    map->path = strndup(line, len);
    if (!map->path)
        return -ENOMEM;
    len = strlen(map->path);
    if (map->path[0] == '/' && len > sizeof(deleted_suffix) - 1 &&
        strcmp(map->path + len - (sizeof(deleted_suffix) - 1), deleted_suffix) == 0) {
        map->path[len - (sizeof(deleted_suffix) - 1)] = '\0';
        map->deleted = 1;
    }
    return 0;
}

static int parse_stream(FILE *f, const char *what, struct procmaps *out, char *err,
                        size_t errlen)
{
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    int rc = 0;

    while (getline(&line, &cap, f) >= 0) {
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        if (out->count == alloc) {
            size_t n = alloc ? alloc * 2 : 64;
            struct procmap *grown = realloc(out->maps, n * sizeof(*grown));
            if (!grown) {
                rc = -ENOMEM;
                snprintf(err, errlen, "read %s: out of memory", what);
                goto out;
            }
            out->maps = grown;
            alloc = n;
        }
        rc = procmaps_parse_line(line, &out->maps[out->count]);
        if (rc) {
            snprintf(err, errlen, "parse %s: %s line %zu", what,
                     rc == -ENOMEM ? "out of memory at" : "malformed", out->count + 1);
            goto out;
        }
        out->count++;
    }
    if (ferror(f)) {
        rc = errno ? -errno : -EIO;
        snprintf(err, errlen, "read %s: %s", what, strerror(-rc));
    }
out:
    free(line);
    return rc;
}

int procmaps_read_file(const char *path, struct procmaps *out, char *err, size_t errlen)
{
    FILE *f;
    int rc;

    out->maps = NULL;
    out->count = 0;
    f = fopen(path, "re");
    if (!f) {
        rc = -errno;
        snprintf(err, errlen, "open %s: %s", path, strerror(errno));
        return rc;
    }
    rc = parse_stream(f, path, out, err, errlen);
    fclose(f);
    return rc;
}

int procmaps_read(pid_t pid, struct procmaps *out, char *err, size_t errlen)
{
    char path[64];
    int rc;

    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    rc = procmaps_read_file(path, out, err, errlen);
    if (rc == -ENOENT) {
        snprintf(err, errlen, "pid %d: no such process", (int)pid);
        return -ESRCH;
    }
    /* A process that exited between open and read leaves an empty file; a
     * kernel thread has one too, but is still there. */
    if (rc == 0 && out->count == 0) {
        snprintf(path, sizeof(path), "/proc/%d", (int)pid);
        if (access(path, F_OK) != 0) {
            snprintf(err, errlen, "pid %d: no such process", (int)pid);
            return -ESRCH;
        }
    }
    return rc;
}

void procmaps_free(struct procmaps *maps)
{
    if (!maps)
        return;
    for (size_t i = 0; i < maps->count; i++)
        free(maps->maps[i].path);
    free(maps->maps);
    maps->maps = NULL;
    maps->count = 0;
}

int procmap_is_file(const struct procmap *map)
{
    return map->path && map->path[0] == '/';
}
