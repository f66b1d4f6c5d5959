/* mkdir -p: a folder and any of its parents that are missing. */
#ifndef FAH_COMMON_MKDIRS_H
#define FAH_COMMON_MKDIRS_H

#include <sys/types.h>

/* Creates path and its missing parents with mode (folders that exist are
 * left as they are). Returns 0 or a negative errno code. */
int mkdirs(const char *path, mode_t mode);

#endif
