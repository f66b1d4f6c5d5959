/* profile.json's `processes` (docs/profile-json.md): written from the
 * profile's process table, and read back so that `summarize` reprints it. */
#ifndef FAH_CLIENT_REPORT_JSON_PROCS_H
#define FAH_CLIENT_REPORT_JSON_PROCS_H

#include <stddef.h>

#include <cJSON.h>

#include "client/model/profile.h"

/* Adds "processes" to doc. 0 or -ENOMEM. */
int report_json_procs_add(cJSON *doc, const struct profile *p);

/* Reads "processes" back into p (absent: none). 0, -ENOMEM, or -EINVAL with
 * "processes[N]: ..." in err. */
int report_json_procs_load(const cJSON *doc, struct profile *p, char *err, size_t errlen);

#endif
