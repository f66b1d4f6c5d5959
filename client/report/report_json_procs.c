/* The process table in profile.json (see report_json_procs.h). */
#include "client/report/report_json_procs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "client/report/report_json_field.h"

static int add_process(cJSON *arr, const struct profile *p, const struct profile_process *pr)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o))
        return -ENOMEM;
    int ok = cJSON_AddNumberToObject(o, "pid", pr->pid) &&
             cJSON_AddNumberToObject(o, "ppid", pr->ppid) &&
             cJSON_AddBoolToObject(o, "root", pr->root) &&
             cJSON_AddStringToObject(o, "command", pr->command) &&
             cJSON_AddBoolToObject(o, "sampled", pr->python) &&
             (pr->python ? cJSON_AddStringToObject(o, "python_version", pr->python_version)
                         : cJSON_AddNullToObject(o, "python_version")) &&
             (pr->note[0] ? cJSON_AddStringToObject(o, "note", pr->note)
                          : cJSON_AddNullToObject(o, "note")) &&
             cJSON_AddNumberToObject(o, "start_seconds", pr->start_s) &&
             (pr->exited ? cJSON_AddNumberToObject(o, "end_seconds", pr->end_s)
                         : cJSON_AddNullToObject(o, "end_seconds")) &&
             cJSON_AddNumberToObject(o, "lifetime_seconds",
                                     profile_process_lifetime(pr, p->wall_seconds)) &&
             cJSON_AddNumberToObject(o, "cpu_seconds", pr->cpu_s) &&
             cJSON_AddNumberToObject(o, "max_rss_bytes", (double)pr->max_rss_bytes);
    return ok ? 0 : -ENOMEM;
}

int report_json_procs_add(cJSON *doc, const struct profile *p)
{
    cJSON *arr = cJSON_AddArrayToObject(doc, "processes");
    if (!arr)
        return -ENOMEM;
    for (size_t i = 0; i < p->processes.count; i++)
        if (add_process(arr, p, &p->processes.items[i]) < 0)
            return -ENOMEM;
    return 0;
}

static int read_process(const cJSON *o, struct profile *p, size_t i, char *err, size_t errlen)
{
    double pid = 0, ppid = 0, rss = 0, end = -1;
    struct profile_process pr = {0};
    const char *command = "", *version = "", *note = "";
    char at[40];
    snprintf(at, sizeof(at), "processes[%zu]: ", i);
    if (!cJSON_IsObject(o)) {
        snprintf(err, errlen, "%sis not an object", at);
        return -EINVAL;
    }
    int rc = report_json_number(o, at, "pid", 1, INT32_MAX, &pid, err, errlen);
    if (rc == 0)
        rc = report_json_number(o, at, "ppid", 0, INT32_MAX, &ppid, err, errlen);
    if (rc == 0)
        rc = report_json_number(o, at, "start_seconds", 0, HUGE_VAL, &pr.start_s, err, errlen);
    if (rc == 0)
        rc = report_json_number(o, at, "end_seconds", 0, HUGE_VAL, &end, err, errlen);
    if (rc == 0)
        rc = report_json_number(o, at, "cpu_seconds", 0, HUGE_VAL, &pr.cpu_s, err, errlen);
    if (rc == 0)
        rc = report_json_number(o, at, "max_rss_bytes", 0, 9007199254740992.0, &rss, err,
                                errlen);
    if (rc == 0)
        rc = report_json_string(o, at, "command", &command, err, errlen);
    if (rc == 0)
        rc = report_json_string(o, at, "python_version", &version, err, errlen);
    if (rc == 0)
        rc = report_json_string(o, at, "note", &note, err, errlen);
    if (rc < 0)
        return rc;
    pr.pid = (int32_t)pid, pr.ppid = (int32_t)ppid, pr.max_rss_bytes = (uint64_t)rss;
    pr.exited = end >= 0, pr.end_s = end >= 0 ? end : 0;
    pr.root = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "root"));
    pr.python = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "sampled"));
    pr.command = (char *)command, pr.python_version = (char *)version, pr.note = (char *)note;
    return profile_process_set(&p->processes, &pr) < 0 ? -ENOMEM : 0;
}

int report_json_procs_load(const cJSON *doc, struct profile *p, char *err, size_t errlen)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "processes"), *o;
    size_t i = 0;
    if (!arr || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr)) {
        snprintf(err, errlen, "\"processes\" is not an array");
        return -EINVAL;
    }
    cJSON_ArrayForEach(o, arr) {
        int rc = read_process(o, p, i++, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}
