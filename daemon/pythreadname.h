/* Thread names as the threading module knows them: threading._active maps
 * each thread's ident (its pthread_t, tstate->thread_id) to its Thread
 * object, whose _name is what threading.Thread(name=...) and
 * Thread.name set. Read from the target's memory (sys.modules, the
 * module's dict, the Thread's instance attributes), on every version,
 * whether or not the OS thread name was set. */
#ifndef FAH_DAEMON_PYTHREADNAME_H
#define FAH_DAEMON_PYTHREADNAME_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/pyobj.h"

/* Names are cut to this many bytes, NUL included. */
#define PYTHREADNAME_LEN 64
/* Threads remembered from one reading of _active. */
#define PYTHREADNAME_MAX 512

struct pythreadname_entry {
    uint64_t ident;
    char name[PYTHREADNAME_LEN];
};

struct pythreadnames {
    struct pyobj obj;
    struct pythreadname_entry entries[PYTHREADNAME_MAX];
    size_t count;
    /* Where the last lookup found _active, and for which interpreter (0:
     * no lookup yet). threading never binds _active to another dict, and
     * finding it again goes through sys.modules, dozens of pages. */
    uint64_t active, active_interp;
};

/* Reads threading._active of the interpreter at interp into t, replacing
 * what it held. With look_up 0 it reads the dict found last time, when
 * there is one for interp; with 1 (or when reading that fails) it finds
 * _active again through sys.modules. Returns the count of named threads,
 * -ENOENT when the program has not imported threading, or a negative
 * errno code (then t holds no names). */
int pythreadname_scan(struct pythreadnames *t, uint64_t interp, int look_up);

/* The name of the thread whose ident is ident, as of the last scan; NULL
 * when unknown. */
const char *pythreadname_find(const struct pythreadnames *t, uint64_t ident);

#endif
