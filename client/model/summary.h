/* The numbers the reports print, computed from a struct profile: which
 * frames are the user's code, where each sample's time is charged, and the
 * per-function, per-line, per-module and per-call-path shares of the total.
 * The arithmetic lives in small pure functions so tests can check it. */
#ifndef FAH_CLIENT_SUMMARY_H
#define FAH_CLIENT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "client/model/profile.h"
#include "client/model/summary_mem.h"

/* The kinds of time the reports show: TIME_PYTHON, TIME_NATIVE and
 * TIME_SYSTEM (idle is either dropped or folded into system). */
#define SUMMARY_KINDS 3
/* How many functions "Top N Functions" and the stack trace cover. */
#define SUMMARY_TOP_DEFAULT 10

struct summary_options {
    const char *root;          /* absolute directory holding the user's code;
                                  required ("/" makes every file user code) */
    const char *const *ignore; /* absolute directories that are not user code */
    /* the profiled script: user code wherever it lies (NULL: the script
     * the profile's run started, if any: profile_started_script) */
    const char *script;
    size_t nignore;
    int detailed;     /* every frame with a real file counts as its own */
    int include_idle; /* idle time counts as system time */
    size_t top;       /* functions that get call paths; 0 means the default */
};

/* One function, keyed by file, qualname and first line. The strings are
 * borrowed from the profile (rel points into file). */
struct summary_function {
    const char *file;
    const char *rel;      /* file relative to the root when under it */
    const char *qualname;
    const char *name;     /* last dotted component of qualname */
    int firstlineno;
    int user;             /* under the root and not ignored */
    uint32_t code_id;     /* one representative code of the function */
    double seconds[SUMMARY_KINDS];
    double total;         /* sum of seconds[] */
    double percent;       /* of summary.total */
    double kind_percent[SUMMARY_KINDS];
};

struct summary_line {
    int line;
    double seconds[SUMMARY_KINDS];
    double total;
    double percent;
    double kind_percent[SUMMARY_KINDS];
};

struct summary_file {
    const char *file;
    const char *rel;
    int user;
    double total;
    double percent;
    struct summary_line *lines; /* by line number */
    size_t nlines;
    size_t *functions; /* indices into summary.functions, by first line */
    size_t nfunctions;
};

/* A caller frame on a call path. */
struct summary_frame {
    const char *file;
    const char *rel;
    const char *qualname;
    const char *name;
    int line;
    uint32_t code_id; /* one representative code of the function */
    int native;       /* a native function (--native): file is its object */
    int gap;          /* the frames a deep stack left out (native too) */
};

/* A distinct chain of callers that led to a charged function. */
struct summary_path {
    struct summary_frame *frames; /* outermost first; excludes the function */
    size_t nframes;
    uint64_t samples;
    double seconds;
    double percent; /* of summary.total */
};

struct summary_trace {
    size_t function;            /* index into summary.functions */
    struct summary_path *paths; /* by samples, descending */
    size_t npaths;
};

/* A directory or file in "Functions by Module". A file node's functions
 * are every function defined in it, by percent descending. */
struct summary_module {
    char *name; /* one path component */
    int is_file;
    size_t nfunctions; /* functions at or below this node */
    double percent;    /* their share of the total */
    struct summary_module *children; /* by percent descending, then name */
    size_t nchildren;
    size_t *functions;
    size_t nlisted;
};

/* What other_seconds holds beyond the unattributed time, as the text and
 * HTML reports say it: on stacks, but in none of the code reported. */
#define SUMMARY_OUTSIDE_WHAT "start-up, imports, code no file of yours called"

struct summary {
    char *root; /* normalised: no trailing slash */
    int detailed;     /* the options the numbers were made with */
    int include_idle;
    double total;                      /* counted seconds */
    double kind_seconds[SUMMARY_KINDS]; /* counted, per kind */
    double idle_seconds;  /* raw idle time, counted or not */
    double gil_wait_seconds; /* raw GIL-wait time, counted or not */
    double other_seconds; /* counted time charged to no function */
    uint64_t samples;
    struct summary_function *functions; /* by percent desc, then name */
    size_t nfunctions;
    struct summary_file *files; /* by percent desc, then file */
    size_t nfiles;
    struct summary_trace *traces; /* for functions[0..ntraces) */
    size_t ntraces;
    struct summary_module modules; /* unnamed root of the module tree */
    struct summary_memory *memory; /* RSS and heap figures (summary_mem.h) */
};

/* Summarises p under o. p must outlive the result (strings are borrowed).
 * Returns NULL when out of memory. */
struct summary *summary_new(const struct profile *p,
                            const struct summary_options *o);
void summary_free(struct summary *s);

/* 1 when path is dir itself or lies below it (whole components only). */
int summary_path_under(const char *path, const char *dir);
/* 1 for a file on disk; 0 for "", "<string>", "<frozen os>" and the like. */
int summary_is_real_file(const char *file);
/* 1 when file is user code: the profiled script (o->script), or a real
 * file under o->root, not under an ignored directory. */
int summary_is_user_file(const char *file, const struct summary_options *o);
/* file relative to root when under it (a pointer into file); else, for a
 * library, relative to its sys.path entry ("numpy/ma/core.py" for
 * ".../dist-packages/numpy/ma/core.py", "json/decoder.py" for
 * "/usr/lib/python3.11/json/decoder.py"); else file. */
const char *summary_relative(const char *file, const char *root);
/* The last dotted component of a qualname ("A.f.<locals>.g" -> "g"). */
const char *summary_short_name(const char *qualname);
/* 100 * part / total, or 0 when total is 0. */
double summary_percent(double part, double total);
/* Folds raw[TIME_KINDS] into out[SUMMARY_KINDS]: idle and GIL-wait time
 * are dropped, or added to system when include_idle. Returns the sum of out[]. */
double summary_counted(const double raw[TIME_KINDS], int include_idle,
                       double out[SUMMARY_KINDS]);
/* Index of the frame of st charged with its time: the innermost frame
 * whose counts[code_id] is set. Returns -1 when no frame counts. */
long summary_charged_frame(const struct profile_stack *st,
                           const unsigned char *counts, size_t ncounts);

#endif
