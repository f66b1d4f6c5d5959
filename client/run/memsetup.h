/* Preparing a --memory run: the allocation-sampling library found beside
 * the client's binary, preloaded into the script's process only (CPU mode
 * never preloads anything), with its sampling window from --precision. */
#ifndef FAH_CLIENT_MEMSETUP_H
#define FAH_CLIENT_MEMSETUP_H

#include <stddef.h>
#include <stdint.h>

/* The window for --precision n (-10..10): 10 MiB / 2^n bytes. */
uint64_t memsetup_window(int precision);

/* Sets LD_PRELOAD (our library first, then the user's) and the window in
 * this process's environment, for the child forked next; memsetup_restore
 * puts the user's LD_PRELOAD back right after the fork. Returns 0, or
 * -ENOENT with "call subject: reason" in err when the library is missing. */
int memsetup_environment(int precision, char *err, size_t errlen);
void memsetup_restore(void);

#endif
