/* Colour for the terminal: the escape sequences the summary, the tables
 * and `top` wrap their parts in, or empty strings when the output is not
 * to be coloured. Colour only when the output is a terminal and NO_COLOR is
 * unset or empty (no-color.org), and TERM is not "dumb"; files, pipes and
 * the results folder never get any. */
#ifndef FAH_CLIENT_PAINT_H
#define FAH_CLIENT_PAINT_H

struct paint {
    const char *bold;    /* headings, names */
    const char *dim;     /* rules, file:line */
    const char *hot;     /* a large share (PAINT_HOT_PERCENT and above) */
    const char *warm;    /* a notable share (PAINT_WARM_PERCENT and above) */
    const char *inverse; /* the selected column (top) */
    const char *reset;   /* back to plain */
};

#define PAINT_HOT_PERCENT 20.0
#define PAINT_WARM_PERCENT 5.0

/* Whether output to fd is to be coloured (see above). */
int paint_wanted(int fd);

/* The coloured palette, and the plain one whose strings are all empty. */
const struct paint *paint_colour(void);
const struct paint *paint_plain(void);

/* paint_colour() when paint_wanted(fd), else paint_plain(). */
const struct paint *paint_for_fd(int fd);

/* The colour of a share: hot, warm, or "" below PAINT_WARM_PERCENT. */
const char *paint_heat(const struct paint *c, double percent);

#endif
