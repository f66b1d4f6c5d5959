/* The daemon's configuration file: defaults without a file, every key
 * read, and a mistake reported with its line rather than ignored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/proto.h"
#include "daemon/config.h"
#include "harness.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    char dir[] = "/tmp/fah-config-XXXXXX";
    if (!mkdtemp(dir))
        return 77;
    char path[256], err[512];
    snprintf(path, sizeof(path), "%s/daemon.conf", dir);
    struct daemon_config c;

    daemon_config_defaults(&c);
    CHECK_EQ_INT(daemon_config_load(&c, path, 0, err, sizeof(err)), 0); /* no file: fine */
    CHECK_EQ_INT(c.idle_timeout_s, DAEMON_CONFIG_IDLE_TIMEOUT_S);
    CHECK_EQ_INT(c.max_rate_hz, PROTO_MAX_RATE_HZ);
    CHECK_EQ_INT(c.max_sessions, DAEMON_CONFIG_MAX_SESSIONS);
    CHECK_EQ_INT(c.shared, 0);
    CHECK_EQ_INT(c.exact_clocks, 1);
    CHECK_EQ_INT(c.realtime, 1);
    CHECK_EQ_STR(c.cache_dir, ""); /* resolved later: daemon_config_default_cache */
    CHECK_EQ_INT(c.no_cache, 0);
    CHECK_EQ_STR(c.config_path, "");
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), -ENOENT);

    write_file(path, "; a comment\n[daemon]\nsocket = /run/fixingahole/daemon.sock\n"
                     "idle_timeout = 0\nmax_rate = 500\nmax_sessions = 3\nshared = yes\n"
                     "exact_clocks = no\nrealtime = no\ncache = /var/cache/fixingahole\n");
    daemon_config_defaults(&c);
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), 0);
    CHECK_EQ_STR(c.socket_path, "/run/fixingahole/daemon.sock");
    CHECK_EQ_INT(c.idle_timeout_s, 0);
    CHECK_EQ_INT(c.max_rate_hz, 500);
    CHECK_EQ_INT(c.max_sessions, 3);
    CHECK_EQ_INT(c.shared, 1);
    CHECK_EQ_INT(c.exact_clocks, 0);
    CHECK_EQ_INT(c.realtime, 0);
    CHECK_EQ_STR(c.cache_dir, "/var/cache/fixingahole");
    CHECK_EQ_INT(c.no_cache, 0);
    CHECK_EQ_STR(c.config_path, path);

    write_file(path, "[daemon]\ncache = no\n");
    daemon_config_defaults(&c);
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), 0);
    CHECK_EQ_INT(c.no_cache, 1);
    write_file(path, "[daemon]\ncache = relative/folder\n");
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, ":2: cache: expected an absolute path or no") != NULL);

    /* The default folder follows XDG_CACHE_HOME, else HOME. */
    char folder[256];
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    daemon_config_default_cache(folder, sizeof(folder));
    CHECK_EQ_STR(folder, "/x/cache/fixingahole");
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/u", 1);
    daemon_config_default_cache(folder, sizeof(folder));
    CHECK_EQ_STR(folder, "/home/u/.cache/fixingahole");
    unsetenv("HOME");
    daemon_config_default_cache(folder, sizeof(folder));
    CHECK_EQ_STR(folder, "");

    write_file(path, "[daemon]\nexact_clocks = sometimes\n");
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, ":2: exact_clocks: expected yes or no") != NULL);

    write_file(path, "[daemon]\nrealtime = always\n");
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, ":2: realtime: expected yes or no") != NULL);

    write_file(path, "[daemon]\nmax_rate = 20000\n");
    daemon_config_defaults(&c);
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, ":2: max_rate") != NULL);

    write_file(path, "[daemon]\nidle_timeout = 5\nmax_sesions = 3\n");
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, ":3: unknown key 'max_sesions'") != NULL);

    write_file(path, "[deamon]\nidle_timeout = 5\n");
    CHECK_EQ_INT(daemon_config_load(&c, path, 1, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "unknown section [deamon]") != NULL);

    unlink(path);
    rmdir(dir);
    return test_finish("test_daemon_config");
}
