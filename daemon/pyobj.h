/* Reading a few kinds of Python object of the target: dicts (by str key,
 * or every item), a module's dict, an instance's attribute and a
 * non-negative int. Enough to find threading's Thread objects and their
 * names (pythreadname.h). Never trusts remote memory: entry counts, sizes
 * and offsets are bounded, and any unreadable or implausible field makes
 * the read fail with a negative errno code. */
#ifndef FAH_DAEMON_PYOBJ_H
#define FAH_DAEMON_PYOBJ_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/rmem.h"
#include "symbols/pyoffsets.h"

/* More entries than any dict read here holds (sys.modules of a large
 * program has a few thousand): a larger count is a torn read. */
#define PYOBJ_MAX_ENTRIES 65536

struct pyobj {
    const struct rmem *mem;
    const struct py_offsets *off;
    enum pyinstance_dict layout;
};

/* Whether off has every field the readers below need. */
int pyobj_known(const struct py_offsets *off);

/* Called for each item of a dict; a nonzero return stops the walk and is
 * returned by pyobj_dict_items. */
typedef int (*pyobj_item_fn)(void *ctx, uint64_t key, uint64_t value);

/* Walks the items of the dict at dict (deleted slots skipped). Returns 0,
 * fn's nonzero return, or a negative errno code. */
int pyobj_dict_items(const struct pyobj *o, uint64_t dict, pyobj_item_fn fn, void *ctx);

/* The value under the str key name in the dict at dict: 0 and *value, or
 * -ENOENT when absent, or a negative errno code. */
int pyobj_dict_get(const struct pyobj *o, uint64_t dict, const char *name, uint64_t *value);

/* The attribute name of the instance at obj of a class without
 * __slots__, from its instance dict or inline values: 0 and *value,
 * -ENOENT when absent, or a negative errno code. */
int pyobj_attr(const struct pyobj *o, uint64_t obj, const char *name, uint64_t *value);

/* The int at addr, if it is between 0 and 2^64 - 1: 0, or -ERANGE, or a
 * negative errno code. */
int pyobj_long(const struct pyobj *o, uint64_t addr, uint64_t *value);

#endif
