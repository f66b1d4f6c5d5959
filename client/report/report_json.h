/* profile.json: the machine-readable report (schema in docs/profile-json.md)
 * and its reader, which rebuilds a struct profile for `fixingahole
 * summarize`. */
#ifndef FAH_CLIENT_REPORT_JSON_H
#define FAH_CLIENT_REPORT_JSON_H

#include <stddef.h>

#include "client/model/profile.h"
#include "client/model/summary.h"

/* Changes whenever a field is removed, renamed or changes meaning; adding
 * fields keeps it. */
#define REPORT_JSON_SCHEMA "fixingahole.profile/1"

/* The document for p as summarised by s, NUL-terminated, pretty-printed.
 * The caller free()s it. Returns NULL when out of memory. */
char *report_json_render(const struct profile *p, const struct summary *s);

/* Writes the document to path (through path.tmp and a rename, so a reader
 * never sees half a file). Returns 0 or a negative errno, with the reason
 * in err. */
int report_json_write(const char *path, const struct profile *p,
                      const struct summary *s, char *err, size_t errlen);

/* Rebuilds a profile from text[0..len): run facts, threads and stacks (the
 * derived sections are ignored; summarise again). origin names the text in
 * messages. On success *out is a new profile for profile_free(). Returns 0,
 * -EINVAL for invalid JSON or a wrong schema, or -ENOMEM; err says what
 * and where ("profile.json: stacks[2].frames[0]: \"file\" is not a string").
 */
int report_json_parse(const char *text, size_t len, const char *origin,
                      struct profile **out, char *err, size_t errlen);

/* report_json_parse on the contents of path. Returns 0 or a negative
 * errno (also from open/read). */
int report_json_load(const char *path, struct profile **out, char *err,
                     size_t errlen);

#endif
