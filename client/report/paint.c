/* Terminal colour (see paint.h): SGR sequences of ECMA-48. */
#include "client/report/paint.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct paint colour = {
    .bold = "\033[1m",
    .dim = "\033[2m",
    .hot = "\033[1;31m",
    .warm = "\033[33m",
    .inverse = "\033[7m",
    .reset = "\033[0m",
};

static const struct paint plain = {"", "", "", "", "", ""};

int paint_wanted(int fd)
{
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (no_color && *no_color)
        return 0;
    if (term && strcmp(term, "dumb") == 0)
        return 0;
    return isatty(fd);
}

const struct paint *paint_colour(void)
{
    return &colour;
}

const struct paint *paint_plain(void)
{
    return &plain;
}

const struct paint *paint_for_fd(int fd)
{
    return paint_wanted(fd) ? &colour : &plain;
}

const char *paint_heat(const struct paint *c, double percent)
{
    if (percent >= PAINT_HOT_PERCENT)
        return c->hot;
    if (percent >= PAINT_WARM_PERCENT)
        return c->warm;
    return "";
}
