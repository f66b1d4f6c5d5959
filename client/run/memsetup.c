/* Preparing a --memory run (see memsetup.h). The environment is the only
 * channel into the exec'ed interpreter; the library removes both variables
 * again in its constructor, so the script's os.environ is the user's. */
#include "client/run/memsetup.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc_abi.h"
#include "common/install_paths.h"

/* The user's own LD_PRELOAD while ours is set; saved[0] == 1: unset. */
static char saved[PATH_MAX * 4];
static int have_saved;

uint64_t memsetup_window(int precision)
{
    uint64_t base = 10u << 20;
    return precision >= 0 ? base >> precision : base << -precision;
}

int memsetup_environment(int precision, char *err, size_t errlen)
{
    char lib[PATH_MAX], value[sizeof(saved) + PATH_MAX + 2];
    int rc = install_find(ALLOC_ABI_LIBRARY, INSTALL_LIB_FROM_BIN, lib, sizeof(lib), err, errlen);
    if (rc < 0) {
        size_t used = strlen(err);
        snprintf(err + used, errlen - used, " (needed by --memory)");
        return rc;
    }
    const char *user = getenv("LD_PRELOAD");
    have_saved = 1;
    snprintf(saved, sizeof(saved), "%s", user ? user : "");
    if (user && user[0])
        snprintf(value, sizeof(value), "%s:%s", lib, user);
    else
        snprintf(value, sizeof(value), "%s", lib);
    char window[32];
    snprintf(window, sizeof(window), "%llu", (unsigned long long)memsetup_window(precision));
    if (setenv("LD_PRELOAD", value, 1) < 0 || setenv(ALLOC_ABI_ENV, window, 1) < 0) {
        snprintf(err, errlen, "setenv: %s", strerror(errno));
        return -errno;
    }
    return 0;
}

void memsetup_restore(void)
{
    if (!have_saved)
        return;
    if (saved[0])
        setenv("LD_PRELOAD", saved, 1);
    else
        unsetenv("LD_PRELOAD");
    unsetenv(ALLOC_ABI_ENV);
    have_saved = 0;
}
