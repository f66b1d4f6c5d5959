/* The daemon's configuration: built-in defaults, then an optional INI file
 * (read with inih), then the command line. Every key is optional and no
 * file is needed; see docs/daemon.md. */
#ifndef FAH_DAEMON_CONFIG_H
#define FAH_DAEMON_CONFIG_H

#include <limits.h>
#include <stddef.h>

#define DAEMON_CONFIG_IDLE_TIMEOUT_S 60
#define DAEMON_CONFIG_MAX_SESSIONS 64

struct daemon_config {
    char socket_path[PATH_MAX]; /* "" until resolved: FIXINGAHOLE_SOCKET or the per-user path */
    int idle_timeout_s;         /* exit after this long without a connection; 0: never */
    unsigned max_rate_hz;       /* the highest --rate a session may ask for */
    unsigned max_sessions;      /* sessions running at once, all users together */
    int shared;                 /* socket 0666 in a 0755 folder, for a system-wide daemon */
    int exact_clocks;           /* 0: never open perf counters (daemon/cpuclock.h) */
    int realtime;               /* 0: sessions keep the ordinary policy (daemon/ontime.h) */
    int foreground;
    /* Where struct offsets read from DWARF are kept for the next daemon
     * (symbols/dwarf_cache.h): "" until resolved (daemon_config_default_cache);
     * no_cache: none (cache = no). */
    char cache_dir[PATH_MAX];
    int no_cache;
    char config_path[PATH_MAX]; /* the file that was read, "" when none */
};

void daemon_config_defaults(struct daemon_config *c);

/* Reads path into c. A missing file is an error only when `required` (it
 * was named on the command line). Returns 0, or a negative errno code with
 * err as "path:line: reason". */
int daemon_config_load(struct daemon_config *c, const char *path, int required, char *err,
                       size_t errlen);

/* The default file: $XDG_CONFIG_HOME/fixingahole/daemon.conf, else
 * ~/.config/fixingahole/daemon.conf. Read only if it exists. */
void daemon_config_default_path(char *out, size_t len);

/* The default cache folder: $XDG_CACHE_HOME/fixingahole, else
 * ~/.cache/fixingahole; "" without either variable. */
void daemon_config_default_cache(char *out, size_t len);

#endif
