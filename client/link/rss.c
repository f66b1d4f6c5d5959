/* Peak RSS of another process (see rss.h). */
#include "client/link/rss.h"

#include <errno.h>
#include <stdio.h>

int rss_peak(pid_t pid, uint64_t *peak_bytes)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -ESRCH;
    unsigned long long kb = 0;
    int found = 0;
    while (!found && fgets(line, sizeof(line), f))
        found = sscanf(line, "VmHWM: %llu kB", &kb) == 1;
    fclose(f);
    if (!found)
        return -ESRCH; /* a zombie has no memory left to report */
    if (kb * 1024u > *peak_bytes)
        *peak_bytes = kb * 1024u;
    return 0;
}
