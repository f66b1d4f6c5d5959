/* Reading a whole (small) file into memory: JSON documents, notebooks,
 * sources for the reports. */
#ifndef FAH_COMMON_READFILE_H
#define FAH_COMMON_READFILE_H

#include <stddef.h>

/* Reads path into a malloc'd, NUL-terminated buffer (*text, *len without
 * the NUL). Returns 0, or a negative errno code (-EFBIG past max bytes). */
int readfile_all(const char *path, size_t max, char **text, size_t *len);

#endif
