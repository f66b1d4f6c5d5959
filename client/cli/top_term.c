/* Terminal modes for `fixingahole top` (see top_term.h): termios and the
 * xterm private modes 1049 (alternate screen) and 25 (cursor). */
#include "client/cli/top_term.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void write_all(const char *s)
{
    size_t len = strlen(s), off = 0;
    ssize_t n;
    while (off < len && ((n = write(STDOUT_FILENO, s + off, len - off)) > 0 || errno == EINTR))
        off += n > 0 ? (size_t)n : 0;
}

int top_term_enter(struct top_term *t)
{
    memset(t, 0, sizeof(*t));
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
        struct termios raw = t->saved;
        /* Keys as typed, no echo; ISIG stays so Ctrl-C is SIGINT, and
         * output processing stays so "\n" still returns the carriage. */
        raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
            return -errno;
        t->keys = 1;
    }
    write_all("\033[?1049h\033[?25l\033[H\033[2J");
    t->active = 1;
    return 0;
}

void top_term_leave(struct top_term *t)
{
    if (t->active)
        write_all("\033[0m\033[?25h\033[?1049l");
    if (t->keys)
        tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
    t->active = 0;
    t->keys = 0;
}

int top_term_key(struct top_term *t)
{
    unsigned char c;
    if (!t->keys || top_term_wait(t, 0) <= 0)
        return -1;
    return read(STDIN_FILENO, &c, 1) == 1 ? c : -1;
}

int top_term_wait(struct top_term *t, int timeout_ms)
{
    if (!t->keys)
        return -1;
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    int n = poll(&pfd, 1, timeout_ms);
    return n < 0 ? -1 : n > 0;
}

void top_term_size(int *cols, int *rows)
{
    struct winsize ws;
    *cols = 80;
    *rows = 24;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
    }
}
