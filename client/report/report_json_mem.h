/* The memory fields of profile.json (docs/profile-json.md, "Memory"). */
#ifndef FAH_CLIENT_REPORT_JSON_MEM_H
#define FAH_CLIENT_REPORT_JSON_MEM_H

#include <cJSON.h>

#include "client/model/profile.h"
#include "client/model/summary.h"

/* Top-level fields: max_heap_bytes, max_heap_exact, timeline_seconds,
 * growth_rate_percent, memory_timeline,
 * rss_timeline, max_rss_sampled_bytes, heap_sampling, memory_lines, leaks.
 * Returns 0, or -ENOMEM (the document is then incomplete). */
int report_json_mem_top(cJSON *doc, const struct profile *p, const struct summary *s);

/* alloc_bytes, peak_bytes, python_alloc_percent, copy_mb_s (and for lines
 * rss_growth_bytes) into the object of one line or function; zeros when
 * it has no memory figures. 0 or -ENOMEM. */
int report_json_mem_line(cJSON *o, const struct summary *s, const char *file, int line);
int report_json_mem_function(cJSON *o, const struct summary *s, const char *file,
                             const char *qualname, int firstlineno);

/* The raw memory data, so that `fixingahole summarize` can recompute the
 * figures: rss_samples ([seconds, bytes]) and heap_events ([seconds, stack
 * index into stacks[], kind (enum profile_heap_kind), native 0/1, bytes]),
 * and script_end_seconds (null when unknown). 0 or -ENOMEM. */
int report_json_mem_raw(cJSON *doc, const struct profile *p);

/* Reads them back (both optional: older files have neither) into p, whose
 * stacks[i] became profile stack stack_of[i] (nstacks entries). Returns 0,
 * -EINVAL with "field[i]: reason" in err, or -ENOMEM. */
int report_json_mem_load(const cJSON *doc, struct profile *p, const long *stack_of,
                         size_t nstacks, char *err, size_t errlen);

#endif
