/* `fixingahole profile --repeat N`: after the N runs, each function's mean
 * and standard deviation over them (client/model/stats.h), printed and written to
 * function_stats.json in the last run's folder. */
#ifndef FAH_CLIENT_REPEAT_H
#define FAH_CLIENT_REPEAT_H

#include <stddef.h>

/* folders: the runs' results folders. Returns 0 or a negative errno code
 * with err filled. */
int repeat_report(const char *const *folders, size_t n, const char *root, char *err,
                  size_t errlen);

#endif
