/* Typed fields of profile.json (see report_json_field.h). */
#include "client/report/report_json_field.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

int report_json_number(const cJSON *o, const char *where, const char *key, double lo,
                       double hi, double *out, char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        snprintf(err, errlen, "%s\"%s\" is not a number", where, key);
        return -EINVAL;
    }
    if (v->valuedouble < lo || v->valuedouble > hi) {
        snprintf(err, errlen, "%s\"%s\" is out of range", where, key);
        return -EINVAL;
    }
    *out = v->valuedouble;
    return 0;
}

int report_json_string(const cJSON *o, const char *where, const char *key, const char **out,
                       char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v)) {
        snprintf(err, errlen, "%s\"%s\" is not a string", where, key);
        return -EINVAL;
    }
    *out = v->valuestring;
    return 0;
}
