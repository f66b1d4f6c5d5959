/* Reading the GIL's state (see pygil.h). */
#include "daemon/pygil.h"

#include <errno.h>
#include <string.h>

/* No GIL struct is bigger (208 bytes on x86-64): a larger size read from
 * debug info is not trusted. */
#define PYGIL_MAX_SIZE 4096

int pygil_known(const struct py_offsets *off)
{
    return (off->runtime.gil >= 0 || off->interp.ceval_gil >= 0) && off->gil.size > 0 &&
           off->gil.size <= PYGIL_MAX_SIZE && off->gil.locked >= 0 &&
           off->gil.locked + 4 <= off->gil.size && off->gil.last_holder >= 0 &&
           off->gil.last_holder + 8 <= off->gil.size && off->gil.switch_number >= 0 &&
           off->gil.switch_number + 8 <= off->gil.size;
}

/* Up to 3.11 one GIL is embedded in the runtime; from 3.12 each
 * interpreter points to the one it uses (normally the main
 * interpreter's). */
static int gil_address(const struct rmem *mem, const struct py_offsets *off,
                       uint64_t runtime_addr, uint64_t interp, uint64_t *addr)
{
    if (off->runtime.gil >= 0) {
        *addr = runtime_addr + (uint64_t)off->runtime.gil;
        return 0;
    }
    if (!interp)
        return -EINVAL;
    int rc = rmem_read(mem, interp + (uint64_t)off->interp.ceval_gil, addr, sizeof(*addr));
    if (rc < 0)
        return rc;
    return *addr ? 0 : -EAGAIN; /* not initialised yet */
}

int pygil_read(const struct rmem *mem, const struct py_offsets *off, uint64_t runtime_addr,
               uint64_t interp, struct pygil_state *out)
{
    uint8_t buf[PYGIL_MAX_SIZE];
    memset(out, 0, sizeof(*out));
    if (!pygil_known(off))
        return -ENOTSUP;
    uint64_t addr;
    int rc = gil_address(mem, off, runtime_addr, interp, &addr);
    /* The three fields lie in the struct's first 32 bytes in every version
     * (pygil_known bounds them by its size). */
    size_t span = 0;
    const int32_t ends[] = {off->gil.locked + 4, off->gil.last_holder + 8,
                            off->gil.switch_number + 8};
    for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
        if ((size_t)ends[i] > span)
            span = (size_t)ends[i];
    if (rc == 0)
        rc = rmem_read(mem, addr, buf, span);
    if (rc < 0)
        return rc;
    int32_t locked;
    uint64_t holder;
    memcpy(&locked, buf + off->gil.locked, sizeof(locked));
    memcpy(&holder, buf + off->gil.last_holder, sizeof(holder));
    memcpy(&out->switches, buf + off->gil.switch_number, sizeof(out->switches));
    out->addr = addr;
    out->size = (uint32_t)off->gil.size;
    /* locked is -1 before the GIL is created; 0 leaves last_holder stale. */
    out->holder = locked > 0 ? holder : 0;
    return 0;
}
