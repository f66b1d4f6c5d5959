/* paint: colour only on a terminal, never with NO_COLOR set (and not
 * empty) or TERM=dumb, never on a pipe; colour sequences take no column
 * when the text report fits lines to their width, and a line cut inside a
 * colour ends with the colour reset. */
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "client/report/paint.h"
#include "client/report/report_text_format.h"

static void check_wanted(void)
{
    int master, slave, pipefd[2];
    if (openpty(&master, &slave, NULL, NULL, NULL) < 0 || pipe(pipefd) < 0) {
        CHECK(!"openpty or pipe failed");
        return;
    }
    setenv("TERM", "xterm", 1);
    unsetenv("NO_COLOR");
    CHECK(paint_wanted(slave) == 1);
    CHECK(paint_wanted(pipefd[1]) == 0);
    CHECK(paint_for_fd(slave) == paint_colour() && paint_for_fd(pipefd[1]) == paint_plain());
    setenv("NO_COLOR", "1", 1);
    CHECK(paint_wanted(slave) == 0);
    setenv("NO_COLOR", "", 1); /* no-color.org: only a non-empty value counts */
    CHECK(paint_wanted(slave) == 1);
    unsetenv("NO_COLOR");
    setenv("TERM", "dumb", 1);
    CHECK(paint_wanted(slave) == 0);
    close(master);
    close(slave);
    close(pipefd[0]);
    close(pipefd[1]);
}

static void check_columns(void)
{
    const struct paint *c = paint_colour();
    char text[128], *out = NULL;
    size_t len = 0;
    snprintf(text, sizeof(text), "%sab%s│%s12.5%%%s", c->bold, c->reset, c->hot, c->reset);
    CHECK_EQ_INT(report_text_columns(text), 8);
    FILE *f = open_memstream(&out, &len);
    report_text_fit_line(f, text, strlen(text), 8); /* fits: unchanged */
    fputc('\n', f);
    report_text_fit_line(f, text, strlen(text), 6); /* cut inside the hot colour */
    fclose(f);
    char expect[256];
    snprintf(expect, sizeof(expect), "%s\n%sab%s│%s12…\033[0m", text, c->bold, c->reset, c->hot);
    CHECK_EQ_STR(out, expect);
    free(out);
    CHECK_EQ_STR(paint_heat(c, 25.0), c->hot);
    CHECK_EQ_STR(paint_heat(c, 6.0), c->warm);
    CHECK_EQ_STR(paint_heat(c, 1.0), "");
    CHECK_EQ_STR(paint_heat(paint_plain(), 50.0), "");
}

int main(void)
{
    check_wanted();
    check_columns();
    return test_finish("test_paint");
}
