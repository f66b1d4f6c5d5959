/* Searching the root for the script the user named (see findscript.h). */
#include "client/config/findscript.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FINDSCRIPT_MAX_DEPTH 32
#define FINDSCRIPT_MAX_LISTED 5

struct search {
    const char *tail;  /* "/run.py" or "/my_work/run.py" */
    const char *const *skip;
    size_t nskip;
    char first[PATH_MAX];
    char listed[512];
    int matches;
};

static int skipped(const struct search *s, const char *dir, const char *name)
{
    static const char *const always[] = FINDSCRIPT_ALWAYS_SKIPPED;
    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        if (strcmp(name, always[i]) == 0)
            return 1;
    for (size_t i = 0; i < s->nskip; i++)
        if (strcmp(dir, s->skip[i]) == 0)
            return 1;
    return 0;
}

static int ends_with(const char *path, const char *tail)
{
    size_t n = strlen(path), t = strlen(tail);
    return n >= t && strcmp(path + n - t, tail) == 0;
}

static void note_match(struct search *s, const char *path)
{
    if (s->matches++ == 0)
        snprintf(s->first, sizeof(s->first), "%s", path);
    if (s->matches <= FINDSCRIPT_MAX_LISTED) {
        size_t used = strlen(s->listed);
        snprintf(s->listed + used, sizeof(s->listed) - used, "%s%s", used ? ", " : "", path);
    }
}

static void walk(struct search *s, const char *dir, int depth)
{
    if (depth > FINDSCRIPT_MAX_DEPTH)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
            continue;
        struct stat st;
        if (lstat(path, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (!skipped(s, path, e->d_name))
                walk(s, path, depth + 1);
        } else if (S_ISREG(st.st_mode) && ends_with(path, s->tail)) {
            note_match(s, path);
        }
    }
    closedir(d);
}

int findscript_resolve(const char *name, const char *root, const char *const *skip,
                       size_t nskip, char *out, size_t outlen, char *err, size_t errlen)
{
    struct stat st;
    if (stat(name, &st) == 0 && S_ISREG(st.st_mode)) {
        if (!realpath(name, out)) {
            snprintf(err, errlen, "%s: %s", name, strerror(errno));
            return -errno;
        }
        return 0;
    }
    if (name[0] == '/' || name[0] == '\0') {
        snprintf(err, errlen, "%s: no such file", name);
        return -ENOENT;
    }
    char tail[PATH_MAX + 1];
    snprintf(tail, sizeof(tail), "/%s", name);
    struct search s = {.tail = tail, .skip = skip, .nskip = nskip};
    walk(&s, root, 0);
    if (s.matches == 0) {
        snprintf(err, errlen, "no file named %s under %s", name, root);
        return -ENOENT;
    }
    if (s.matches > 1) {
        snprintf(err, errlen, "%s is ambiguous, %d files match: %s%s (name one by its path)", name,
                 s.matches, s.listed, s.matches > FINDSCRIPT_MAX_LISTED ? ", ..." : "");
        return -EEXIST;
    }
    snprintf(out, outlen, "%s", s.first);
    return 0;
}
