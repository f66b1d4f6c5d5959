/* Collapsing a path by its text (see path_collapse.h). */
#include "common/path_collapse.h"

#include <string.h>

/* Appends one component to out (at *n), or for "..", drops the last. */
static void step(char *out, size_t *n, const char *part, size_t plen)
{
    if (plen == 0 || (plen == 1 && part[0] == '.'))
        return;
    if (plen == 2 && part[0] == '.' && part[1] == '.') {
        while (*n > 1 && out[*n - 1] != '/')
            (*n)--;
        if (*n > 1)
            (*n)--; /* the slash before it, unless it is the root */
        return;
    }
    if (*n > 1)
        out[(*n)++] = '/';
    memcpy(out + *n, part, plen);
    *n += plen;
}

int path_collapse(const char *path, char *out, size_t len)
{
    size_t plen = strlen(path);
    if (path[0] != '/' || len <= plen) {
        if (len > 0) {
            strncpy(out, path, len - 1);
            out[len - 1] = '\0';
        }
        return 0;
    }
    size_t n = 1;
    out[0] = '/';
    for (const char *at = path + 1; *at;) {
        const char *end = strchr(at, '/');
        size_t part = end ? (size_t)(end - at) : strlen(at);
        step(out, &n, at, part);
        at += part + (end ? 1 : 0);
    }
    out[n] = '\0';
    return strcmp(out, path) != 0;
}
