/* The GIL side of an observation (see gilwatch.h). */
#include "daemon/gilwatch.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>

#include "daemon/attribute.h"
#include "daemon/taskstat.h"

void gilwatch_init(struct gilwatch *w, const struct py_offsets *off, uint64_t runtime_addr,
                   const struct rmem *mem)
{
    memset(w, 0, sizeof(*w));
    w->mem = mem;
    w->off = off;
    w->runtime_addr = runtime_addr;
    w->known = pygil_known(off);
}

void gilwatch_read(struct gilwatch *w, uint64_t interp)
{
    if (!w->known || pygil_read(w->mem, w->off, w->runtime_addr, interp, &w->last) < 0)
        memset(&w->last, 0, sizeof(w->last));
    w->current = 1;
    w->last_interp = interp;
}

int gilwatch_blocked_kind(const struct gilwatch *w, pid_t pid, uint32_t tid,
                          struct task_files *files)
{
    uint64_t uaddr;
    long nr = files ? taskstat_syscall_kept(pid, tid, files, &uaddr)
                    : taskstat_syscall(pid, tid, &uaddr);
    if (nr == -EAGAIN)
        return GILWATCH_WOKE;
#ifdef SYS_futex_waitv
    if (nr == SYS_futex_waitv)
        return SAMPLE_IDLE;
#endif
    if (nr != SYS_futex)
        return SAMPLE_SYSTEM;
    /* The GIL's condition variables and mutexes: take_gil waiting for it,
     * or drop_gil waiting for the next holder to take it. */
    return pygil_has_futex(&w->last, uaddr) ? SAMPLE_GIL_WAIT : SAMPLE_IDLE;
}

/* It gave the GIL up after its switch interval and waited to get it back
 * (a quick C call such as time.perf_counter() can hold one end). Inside C
 * calls at both ends the wait was most likely the call's own (a lock, a
 * join); with the GIL never handed over, nobody made it wait for the GIL. */
int gilwatch_gap_kind(const struct gilwatch *w, uint64_t *switches_seen, int in_interpreter,
                      int is_new)
{
    int moved = w->last.addr && !is_new && w->last.switches != *switches_seen;
    *switches_seen = w->last.switches;
    return moved && in_interpreter ? SAMPLE_GIL_WAIT : SAMPLE_IDLE;
}
