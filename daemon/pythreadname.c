/* Reading threading._active (see pythreadname.h). */
#include "daemon/pythreadname.h"

#include <errno.h>
#include <string.h>

#include "daemon/pystr.h"

/* One item of _active: an int ident and its Thread. */
static int add_thread(void *ctx, uint64_t key, uint64_t value)
{
    struct pythreadnames *t = ctx;
    uint64_t ident, name;
    char text[PYTHREADNAME_LEN];
    if (t->count == PYTHREADNAME_MAX)
        return 1; /* enough: the rest stay unnamed */
    /* A thread whose ident or name cannot be read is skipped, not fatal:
     * the others still get theirs. */
    if (pyobj_long(&t->obj, key, &ident) < 0 || pyobj_attr(&t->obj, value, "_name", &name) < 0 ||
        pystr_read(t->obj.mem, t->obj.off, name, text, sizeof(text)) < 0)
        return 0;
    struct pythreadname_entry *e = &t->entries[t->count++];
    e->ident = ident;
    memcpy(e->name, text, sizeof(e->name));
    return 0;
}

/* Finds threading._active through sys.modules: its address in *active. */
static int find_active(struct pythreadnames *t, uint64_t interp, uint64_t *active)
{
    const struct py_offsets *off = t->obj.off;
    uint64_t modules, threading, dict;
    int rc = rmem_read(t->obj.mem, interp + (uint64_t)off->interp.modules, &modules,
                       sizeof(modules));
    if (rc == 0 && !modules)
        rc = -EAGAIN; /* not initialised yet */
    if (rc == 0)
        rc = pyobj_dict_get(&t->obj, modules, "threading", &threading);
    if (rc == 0)
        rc = rmem_read(t->obj.mem, threading + (uint64_t)off->module.md_dict, &dict, sizeof(dict));
    if (rc == 0)
        rc = pyobj_dict_get(&t->obj, dict, "_active", active);
    return rc;
}

static int read_active(struct pythreadnames *t, uint64_t active)
{
    t->count = 0;
    int rc = pyobj_dict_items(&t->obj, active, add_thread, t);
    if (rc < 0)
        t->count = 0;
    return rc;
}

int pythreadname_scan(struct pythreadnames *t, uint64_t interp, int look_up)
{
    t->count = 0;
    if (!pyobj_known(t->obj.off))
        return -ENOTSUP;
    if (!look_up && t->active && t->active_interp == interp && read_active(t, t->active) == 0)
        return (int)t->count;
    t->active = 0;
    uint64_t active;
    int rc = find_active(t, interp, &active);
    if (rc == 0)
        rc = read_active(t, active);
    if (rc < 0)
        return rc;
    t->active = active;
    t->active_interp = interp;
    return (int)t->count;
}

const char *pythreadname_find(const struct pythreadnames *t, uint64_t ident)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->entries[i].ident == ident)
            return t->entries[i].name;
    return NULL;
}
