/* Python-or-native classification of on-CPU threads (see oncpu.h). */
#include "daemon/oncpu.h"

#include <stdlib.h>

/* Far enough to climb out of libc and libm into their caller. */
#define ONCPU_MAX_UNWIND 32

struct oncpu {
    struct codemap *map;
    struct unwinder *unwinder; /* not ours; NULL: no unwinding, the interpreter's */
};

struct oncpu *oncpu_new(struct codemap *map, struct unwinder *unwinder)
{
    struct oncpu *oc = calloc(1, sizeof(*oc));
    if (!oc)
        return NULL;
    oc->map = map;
    oc->unwinder = unwinder;
    return oc;
}

void oncpu_free(struct oncpu *oc)
{
    free(oc);
}

static enum oncpu_place place_of(enum code_class cls)
{
    return cls == CODE_INTERPRETER ? ONCPU_PYTHON : ONCPU_NATIVE;
}

/* Climbs the native stack until a frame is not in a shared system library.
 * A stack it cannot climb is charged to the interpreter: libc time with
 * no visible caller is most often the interpreter's own malloc and memcpy. */
static enum oncpu_place unwind_to_owner(struct oncpu *oc, pid_t tid)
{
    enum oncpu_place place = ONCPU_PYTHON;
    unw_cursor_t cursor;
    if (!oc->unwinder || unwinder_begin(oc->unwinder, tid, &cursor) < 0)
        return place;
    for (int depth = 0; depth < ONCPU_MAX_UNWIND && unw_step(&cursor) > 0; depth++) {
        unw_word_t ip;
        if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0)
            break;
        enum code_class cls = codemap_classify(oc->map, (uint64_t)ip);
        if (cls != CODE_SYSTEM_LIB && cls != CODE_UNKNOWN) {
            place = place_of(cls);
            break;
        }
    }
    unwinder_end(oc->unwinder);
    return place;
}

enum oncpu_place oncpu_classify(struct oncpu *oc, const struct thread_hold *hold, uint64_t pc)
{
    enum code_class cls = codemap_classify(oc->map, pc);
    if (cls == CODE_INTERPRETER || cls == CODE_NATIVE)
        return place_of(cls);
    return unwind_to_owner(oc, hold->tid);
}
