/* The terminal under `fixingahole top`: keys read one at a time without
 * echo, the alternate screen with the cursor hidden, and the terminal put
 * back as it was. */
#ifndef FAH_CLIENT_TOP_TERM_H
#define FAH_CLIENT_TOP_TERM_H

#include <termios.h>

struct top_term {
    int active;            /* the alternate screen is shown */
    int keys;              /* stdin is a terminal set to raw keys */
    struct termios saved;  /* stdin's modes before */
};

/* Switches stdout (a terminal) to the alternate screen and, when stdin is
 * a terminal, stdin to unbuffered keys without echo; Ctrl-C still sends
 * SIGINT. Returns 0 or a negative errno code. */
int top_term_enter(struct top_term *t);

/* Puts back what top_term_enter changed; does nothing when it is back. */
void top_term_leave(struct top_term *t);

/* The next key typed, or -1 when none waits (never blocks). */
int top_term_key(struct top_term *t);

/* Waits up to timeout_ms for a key: 1 when one waits, 0 when none, -1 when
 * interrupted by a signal or without keys. */
int top_term_wait(struct top_term *t, int timeout_ms);

/* The terminal's size; 80x24 when stdout cannot say. */
void top_term_size(int *cols, int *rows);

#endif
