/* Signal handler installation (see sig.h). */
#include "common/sig.h"

#include <errno.h>
#include <signal.h>

int sig_install(int signum, void (*handler)(int))
{
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    return sigaction(signum, &sa, NULL) < 0 ? -errno : 0;
}
