/* The daemon command (see daemon_cmd.h), over the protocol: DAEMON_STATUS
 * and SHUTDOWN, so that a shared daemon answers each user by their
 * credentials. A daemon that cannot be spoken to (another protocol version)
 * is stopped with SIGTERM instead; either way its sessions end in order and
 * targets keep running, since the daemon only ever holds a thread for the
 * length of one sample. */
#include "client/cli/daemon_cmd.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/link/control.h"
#include "client/link/daemon_link.h"
#include "common/exit_codes.h"

static int status_cmd(void)
{
    char err[1024];
    pid_t pid;
    int fd = control_request(PROTO_DAEMON_STATUS, 0, 0, &pid, err, sizeof(err));
    if (fd == -ENOENT) {
        printf("%s\n", err);
        return 1;
    }
    if (fd < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return EXIT_PROFILER;
    }
    struct msgio_msg m = {0};
    struct proto_daemon_state st;
    int rc = control_answer(fd, &m, err, sizeof(err));
    if (rc == 0 && (m.type != PROTO_DAEMON_STATE ||
                    proto_decode_daemon_state(m.payload, m.length, &st) < 0)) {
        snprintf(err, sizeof(err), "the daemon sent an unexpected answer");
        rc = -EBADMSG;
    }
    if (rc == 0) {
        printf("daemon running: pid %d, uid %u, up %.0f s, socket %s\n", (int)st.pid,
               (unsigned)st.uid, (double)st.uptime_ns / 1e9, st.socket_path);
        printf("sessions: %u of at most %u; rate at most %u Hz; idle timeout %u s; "
               "configuration %s\n",
               (unsigned)st.sessions, (unsigned)st.max_sessions, (unsigned)st.max_rate_hz,
               (unsigned)st.idle_timeout_s, st.config_path[0] ? st.config_path : "(defaults)");
    }
    msgio_msg_free(&m);
    close(fd);
    if (rc < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return EXIT_PROFILER;
    }
    return 0;
}

/* A daemon that exited but is not reaped yet (an init that reaps late,
 * as in some containers) is gone for us. */
static int is_zombie(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return paren && paren[1] == ' ' && paren[2] == 'Z';
}

/* Waits up to 10 s for the daemon to exit (sessions get 5 s to end). */
static int wait_gone(pid_t pid)
{
    for (int i = 0; i < 1000; i++) {
        if ((kill(pid, 0) < 0 && errno == ESRCH) || is_zombie(pid))
            return 0;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return -ETIMEDOUT;
}

static int shutdown_request(pid_t *pid, char *err, size_t errlen)
{
    int fd = control_request(PROTO_SHUTDOWN, 0, 0, pid, err, errlen);
    if (fd < 0)
        return fd;
    struct msgio_msg m = {0};
    int rc = control_answer(fd, &m, err, errlen);
    if (rc == 0 && (m.type != PROTO_DONE || proto_decode_empty(m.payload, m.length) < 0)) {
        snprintf(err, errlen, "the daemon sent an unexpected answer");
        rc = -EBADMSG;
    }
    msgio_msg_free(&m);
    close(fd);
    return rc;
}

static int stop_cmd(void)
{
    char path[PATH_MAX], err[1024];
    pid_t pid;
    int fd = daemon_link_probe(&pid, path, sizeof(path), err, sizeof(err));
    if (fd == -ENOENT || fd == -ECONNREFUSED) {
        printf("no daemon is running (socket %s)\n", path);
        return 0;
    }
    if (fd < 0) {
        fprintf(stderr, "fixingahole: %s\n", err);
        return EXIT_PROFILER;
    }
    close(fd);
    int rc = shutdown_request(&pid, err, sizeof(err));
    if (rc == -EPROTO && strstr(err, "protocol version") && kill(pid, SIGTERM) == 0)
        rc = 0; /* an older or newer daemon: the signal means the same */
    if (rc < 0) {
        fprintf(stderr, "fixingahole: could not stop the daemon (pid %d): %s\n", (int)pid, err);
        return EXIT_PROFILER;
    }
    if (wait_gone(pid) < 0) {
        fprintf(stderr, "fixingahole: the daemon (pid %d) did not exit within 10 s\n", (int)pid);
        return EXIT_PROFILER;
    }
    printf("stopped the daemon (pid %d)\n", (int)pid);
    return 0;
}

int daemon_cmd_main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "status") == 0)
        return status_cmd();
    if (argc == 3 && strcmp(argv[2], "stop") == 0)
        return stop_cmd();
    fprintf(stderr, "usage: fixingahole daemon status|stop\n");
    return EXIT_USAGE;
}
