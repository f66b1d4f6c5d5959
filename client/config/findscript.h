/* Finding the file the user named: a path that exists, or a name (or a
 * tail of a path, like my_work/run.py) searched for under the root. */
#ifndef FAH_CLIENT_FINDSCRIPT_H
#define FAH_CLIENT_FINDSCRIPT_H

#include <stddef.h>

/* Folders the search never enters, besides these absolute paths. */
#define FINDSCRIPT_ALWAYS_SKIPPED {".git", ".venv"}

/* Resolves name to an absolute path in out. skip: absolute folders not to
 * search (the output folder, ignored folders). Returns 0; -ENOENT when
 * nothing matches; -EEXIST when several files match (err lists them). */
int findscript_resolve(const char *name, const char *root, const char *const *skip,
                       size_t nskip, char *out, size_t outlen, char *err, size_t errlen);

#endif
