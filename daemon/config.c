/* Reading the daemon's INI file (see config.h). Unknown keys and bad values
 * are errors, not warnings: a typo in a limit must not silently leave the
 * daemon running without it. */
#include "daemon/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/proto.h"
#include "common/readfile.h"

/* A configuration file is a few lines: anything this big is not one. */
#define DAEMON_CONFIG_MAX_BYTES (1u << 20)

struct parse_state {
    struct daemon_config *c;
    char problem[256];
};

void daemon_config_defaults(struct daemon_config *c)
{
    memset(c, 0, sizeof(*c));
    c->idle_timeout_s = DAEMON_CONFIG_IDLE_TIMEOUT_S;
    c->max_rate_hz = PROTO_MAX_RATE_HZ;
    c->max_sessions = DAEMON_CONFIG_MAX_SESSIONS;
    c->exact_clocks = 1;
    c->realtime = 1;
}

static int parse_uint(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *text, int *out)
{
    if (!strcasecmp(text, "yes") || !strcasecmp(text, "true") || !strcmp(text, "1"))
        *out = 1;
    else if (!strcasecmp(text, "no") || !strcasecmp(text, "false") || !strcmp(text, "0"))
        *out = 0;
    else
        return -1;
    return 0;
}

/* inih calls this per key; returning 0 makes ini_parse report the line. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse_state *st = user;
    struct daemon_config *c = st->c;
    long v;
    if (strcmp(section, "daemon") != 0) {
        snprintf(st->problem, sizeof(st->problem), "unknown section [%s] (expected [daemon])",
                 section);
        return 0;
    }
    if (!strcmp(name, "socket")) {
        if (value[0] != '/' || strlen(value) >= sizeof(c->socket_path)) {
            snprintf(st->problem, sizeof(st->problem), "socket: expected an absolute path");
            return 0;
        }
        snprintf(c->socket_path, sizeof(c->socket_path), "%s", value);
    } else if (!strcmp(name, "idle_timeout")) {
        if (parse_uint(value, 0, 86400 * 365, &v) < 0) {
            snprintf(st->problem, sizeof(st->problem), "idle_timeout: expected seconds, got '%s'",
                     value);
            return 0;
        }
        c->idle_timeout_s = (int)v;
    } else if (!strcmp(name, "max_rate")) {
        if (parse_uint(value, 1, PROTO_MAX_RATE_HZ, &v) < 0) {
            snprintf(st->problem, sizeof(st->problem),
                     "max_rate: expected 1 to %d samples per second, got '%s'",
                     PROTO_MAX_RATE_HZ, value);
            return 0;
        }
        c->max_rate_hz = (unsigned)v;
    } else if (!strcmp(name, "max_sessions")) {
        if (parse_uint(value, 1, 100000, &v) < 0) {
            snprintf(st->problem, sizeof(st->problem),
                     "max_sessions: expected a positive count, got '%s'", value);
            return 0;
        }
        c->max_sessions = (unsigned)v;
    } else if (!strcmp(name, "shared")) {
        if (parse_bool(value, &c->shared) < 0) {
            snprintf(st->problem, sizeof(st->problem), "shared: expected yes or no, got '%s'",
                     value);
            return 0;
        }
    } else if (!strcmp(name, "exact_clocks")) {
        if (parse_bool(value, &c->exact_clocks) < 0) {
            snprintf(st->problem, sizeof(st->problem),
                     "exact_clocks: expected yes or no, got '%s'", value);
            return 0;
        }
    } else if (!strcmp(name, "cache")) {
        int on;
        if (parse_bool(value, &on) == 0 && !on) {
            c->no_cache = 1;
        } else if (value[0] == '/' && strlen(value) < sizeof(c->cache_dir)) {
            snprintf(c->cache_dir, sizeof(c->cache_dir), "%s", value);
            c->no_cache = 0;
        } else {
            snprintf(st->problem, sizeof(st->problem),
                     "cache: expected an absolute path or no, got '%s'", value);
            return 0;
        }
    } else if (!strcmp(name, "realtime")) {
        if (parse_bool(value, &c->realtime) < 0) {
            snprintf(st->problem, sizeof(st->problem), "realtime: expected yes or no, got '%s'",
                     value);
            return 0;
        }
    } else {
        snprintf(st->problem, sizeof(st->problem), "unknown key '%s'", name);
        return 0;
    }
    return 1;
}

int daemon_config_load(struct daemon_config *c, const char *path, int required, char *err,
                       size_t errlen)
{
    char *text;
    size_t len;
    int rc = readfile_all(path, DAEMON_CONFIG_MAX_BYTES, &text, &len);
    if (rc < 0) {
        if (!required && rc == -ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, rc == -EFBIG ? "too large for a configuration file"
                                                          : strerror(-rc));
        return rc;
    }
    struct parse_state st = {.c = c};
    int line = ini_parse_string(text, on_key, &st);
    free(text);
    if (line != 0) {
        snprintf(err, errlen, "%s:%d: %s", path, line,
                 st.problem[0] ? st.problem : "not a valid INI line");
        return -EINVAL;
    }
    snprintf(c->config_path, sizeof(c->config_path), "%s", path);
    return 0;
}

/* $VAR/LEAF when VAR holds an absolute path, else $HOME/UNDER_HOME/LEAF,
 * else "": the XDG base directory rule. */
static void xdg_path(char *out, size_t len, const char *var, const char *under_home,
                     const char *leaf)
{
    const char *xdg = getenv(var);
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(out, len, "%s/%s", xdg, leaf);
    else if (home && home[0] == '/')
        snprintf(out, len, "%s/%s/%s", home, under_home, leaf);
    else
        out[0] = '\0';
}

void daemon_config_default_path(char *out, size_t len)
{
    xdg_path(out, len, "XDG_CONFIG_HOME", ".config", "fixingahole/daemon.conf");
}

void daemon_config_default_cache(char *out, size_t len)
{
    xdg_path(out, len, "XDG_CACHE_HOME", ".cache", "fixingahole");
}
