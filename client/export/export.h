/* Exporting a profile to other tools' formats: `fixingahole export` and the
 * -f/--format option of `profile` and `attach`. One table names every
 * format with its file extension and its writer; docs/exports.md describes
 * each format. */
#ifndef FAH_CLIENT_EXPORT_H
#define FAH_CLIENT_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "client/model/profile.h"

/* Most formats one -f list or one `export` command may name. */
#define EXPORT_MAX_FORMATS 8

struct export_format {
    const char *name;      /* as given to --format: "collapsed" */
    const char *extension; /* appended to "profile": ".collapsed" */
    /* Writes p to out. Returns 0, or a negative errno with err filled
     * ("collapsed: out of memory"). Write errors on out are the caller's
     * to find (ferror, fclose). */
    int (*write)(const struct profile *p, FILE *out, char *err, size_t errlen);
};

/* The format called name, or NULL. */
const struct export_format *export_format_find(const char *name);

/* The formats' names, comma-separated ("collapsed, speedscope"), into
 * buf[0..len), for messages. */
void export_format_names(char *buf, size_t len);

/* Adds the formats of a comma-separated list ("collapsed,speedscope") to
 * out[*n..], skipping ones already there. Returns 0, or -EINVAL with err
 * naming an unknown or empty name, or too many formats. */
int export_parse_list(const char *list, const struct export_format **out, size_t *n,
                      char *err, size_t errlen);

/* Writes p as fmt to path: a regular file (or a new one) through path.tmp
 * and a rename, so that no reader sees half a file; anything else (a
 * device, a FIFO, a symbolic link) in place. Returns 0 or a negative errno
 * with err filled. */
int export_write_path(const struct profile *p, const struct export_format *fmt,
                      const char *path, char *err, size_t errlen);

/* Writes folder/profile<extension> for each of fmts[0..n), as -f does next
 * to profile.json. Stops at the first failure: 0 or a negative errno with
 * err filled. */
int export_write_folder(const struct profile *p, const char *folder,
                        const struct export_format *const *fmts, size_t n, char *err,
                        size_t errlen);

/* The writers of the table. */
int export_collapsed(const struct profile *p, FILE *out, char *err, size_t errlen);
int export_speedscope(const struct profile *p, FILE *out, char *err, size_t errlen);

#endif
