/* An absolute path with its empty, "." and ".." components collapsed by
 * its text alone: config's paths (resolved against a directory) and the
 * code objects' files a report shows. */
#ifndef FAH_COMMON_PATH_COLLAPSE_H
#define FAH_COMMON_PATH_COLLAPSE_H

#include <stddef.h>

/* path collapsed into out (len bytes); ".." at the root stays there. Only
 * an absolute path is touched. Returns 1 when out differs from path, 0
 * when it is the same (or path is relative, or out too short: out is then
 * path, cut to fit). */
int path_collapse(const char *path, char *out, size_t len);

#endif
