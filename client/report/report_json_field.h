/* Typed fields of profile.json as its readers check them: a field that is
 * absent or null leaves the caller's default, one of the wrong type or out
 * of range is an error naming it, so every section reports bad input the
 * same way. */
#ifndef FAH_CLIENT_REPORT_JSON_FIELD_H
#define FAH_CLIENT_REPORT_JSON_FIELD_H

#include <cJSON.h>
#include <stddef.h>

/* *out = the finite number at key of o, within [lo, hi]. Otherwise -EINVAL
 * with err as `<where>"key" is not a number` or `... is out of range`
 * (where: "" or a location such as "stacks[3]: "). */
int report_json_number(const cJSON *o, const char *where, const char *key, double lo,
                       double hi, double *out, char *err, size_t errlen);

/* *out = the string at key of o, borrowed from o. Otherwise -EINVAL with err
 * as `<where>"key" is not a string`. */
int report_json_string(const cJSON *o, const char *where, const char *key, const char **out,
                       char *err, size_t errlen);

#endif
