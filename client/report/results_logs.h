/* logs.log in a results folder: the warnings and logging records the
 * bootstrap copied while the script ran. */
#ifndef FAH_CLIENT_RESULTS_LOGS_H
#define FAH_CLIENT_RESULTS_LOGS_H

#include <stddef.h>

/* Copies the records file src to folder/logs.log and leaves in shown the
 * path to print: relative to the current folder when under it. root is
 * unused for now (kept for a root-relative display). Returns 0 or a
 * negative errno code with err filled. */
int results_keep_logs(const char *src, const char *folder, const char *root, char *shown,
                      size_t shownlen, char *err, size_t errlen);

#endif
