/* The flame tree (client/view/flame.c) and the documents drawn from it:
 * codes of one function merge, times are inclusive and split by kind, idle
 * counts only with include_idle, frameless stacks get their own node,
 * children come hottest first; names that look like markup stay text in
 * report.html and the SVG; --memory runs get memory columns and timelines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/view/flame.h"
#include "client/view/flame_json.h"
#include "client/view/html.h"
#include "client/view/svg.h"
#include "harness.h"
#include "process_fixture.h"

enum { C_MODULE, C_MAIN, C_HEAVY, C_HEAVY2, C_EVIL };

static void add(struct profile *p, uint32_t tid, const uint32_t *codes, uint32_t n, double py,
                double native, double sys, double idle)
{
    struct profile_frame fr[8];
    for (uint32_t i = 0; i < n; i++)
        fr[i] = (struct profile_frame){codes[i], 1};
    double s[TIME_KINDS] = {py, native, sys, idle};
    profile_add_sample(p, tid, fr, n, s);
}

static struct profile *sample_profile(void)
{
    struct profile *p = profile_new();
    profile_set_code(p, C_MODULE, "/r/app.py", "<module>", 1);
    profile_set_code(p, C_MAIN, "/r/app.py", "main", 10);
    profile_set_code(p, C_HEAVY, "/r/app.py", "heavy", 20);
    profile_set_code(p, C_HEAVY2, "/r/app.py", "heavy", 20); /* same function */
    profile_set_code(p, C_EVIL, "/r/</script><b>.py", "A.</script><b>", 5);
    profile_set_string(&p->root, "/r");
    add(p, 1, (uint32_t[]){C_HEAVY, C_MAIN, C_MODULE}, 3, 0.5, 0, 0, 0);
    add(p, 1, (uint32_t[]){C_HEAVY2, C_MAIN, C_MODULE}, 3, 0, 0.3, 0, 0);
    add(p, 1, (uint32_t[]){C_MAIN, C_MODULE}, 2, 0, 0, 0.1, 0);
    add(p, 1, (uint32_t[]){C_MAIN, C_MODULE}, 2, 0, 0, 0, 1.0); /* idle only */
    add(p, 2, NULL, 0, 0.05, 0, 0, 0);
    add(p, 1, (uint32_t[]){C_EVIL, C_MODULE}, 2, 0.02, 0, 0, 0);
    return p;
}

/* A frameless stack with the reason the daemon gave (PROTO_UNPLACED_*). */
static void add_unplaced(struct profile *p, uint32_t tid, uint32_t why, double seconds)
{
    double s[TIME_KINDS] = {seconds, 0, 0, 0};
    profile_add_stack(p, tid, NULL, 0, why, 1, s);
}

static uint32_t child(const struct flame *f, uint32_t node, size_t nth)
{
    uint32_t c = f->nodes[node].first_child;
    while (nth-- && c != FLAME_NONE)
        c = f->nodes[c].next_sibling;
    return c;
}

static const char *name(const struct flame *f, uint32_t node)
{
    return node == FLAME_NONE ? "(none)" : f->funcs[f->nodes[node].func].qualname;
}

static int near(double a, double b)
{
    return a - b < 1e-9 && b - a < 1e-9;
}

static void test_tree(void)
{
    struct profile *p = sample_profile();
    struct flame *f = flame_new(p, 0);
    CHECK(f != NULL);
    CHECK_EQ_INT(f->nnodes, 6); /* root, module, main, heavy, evil, no stack */
    CHECK(near(f->nodes[0].total, 0.97));
    uint32_t module = child(f, 0, 0), main = child(f, module, 0), heavy = child(f, main, 0);
    CHECK_EQ_STR(name(f, module), "<module>");
    CHECK_EQ_STR(name(f, child(f, 0, 1)), "(no Python stack)");
    CHECK_EQ_STR(name(f, main), "main");
    CHECK_EQ_STR(name(f, child(f, module, 1)), "A.</script><b>");
    CHECK_EQ_STR(name(f, heavy), "heavy");
    CHECK(child(f, main, 1) == FLAME_NONE); /* both code objects of heavy: one node */
    CHECK(near(f->nodes[heavy].seconds[TIME_PYTHON], 0.5));
    CHECK(near(f->nodes[heavy].seconds[TIME_NATIVE], 0.3));
    CHECK(near(f->nodes[main].total, 0.9));
    CHECK(near(flame_self(f, main), 0.1));
    CHECK_EQ_INT(f->nodes[heavy].depth, 3);
    CHECK_EQ_INT(f->max_depth, 3);
    flame_free(f);
    f = flame_new(p, 1); /* idle counted as system */
    main = child(f, child(f, 0, 0), 0);
    CHECK(near(f->nodes[main].total, 1.9));
    CHECK(near(f->nodes[main].seconds[TIME_SYSTEM], 1.1));
    flame_free(f);
    /* Frameless time with a reason: a node named for it, apart from the
     * frameless time without one (4: teardown, 3: start-up). */
    add_unplaced(p, 1, 4, 0.03);
    add_unplaced(p, 1, 3, 0.01);
    add_unplaced(p, 2, 4, 0.01);
    f = flame_new(p, 0);
    CHECK_EQ_INT(f->nnodes, 8);
    CHECK_EQ_STR(name(f, child(f, 0, 1)), "(no Python stack)");
    uint32_t teardown = child(f, 0, 2), startup = child(f, 0, 3);
    CHECK_EQ_STR(name(f, teardown), "(interpreter teardown)");
    CHECK(teardown != FLAME_NONE && near(f->nodes[teardown].total, 0.04));
    CHECK_EQ_STR(name(f, startup), "(interpreter start-up)");
    flame_free(f);
    profile_free(p);
}

static char *render(int (*writer)(const struct profile *, FILE *, char *, size_t),
                    const struct profile *p)
{
    char *text = NULL, err[128] = "";
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CHECK_EQ_INT(writer(p, out, err, sizeof(err)), 0);
    fclose(out);
    return text;
}

static void test_documents_escape_names(void)
{
    struct profile *p = sample_profile();
    struct flame *f = flame_new(p, 0);
    char *json = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&json, &len);
    CHECK_EQ_INT(flame_json_write(out, f, "/r"), 0);
    fclose(out);
    CHECK(strstr(json, "\"nodes\":[-1,2,") != NULL); /* root: func -1, two children */
    CHECK(strstr(json, "A.\\u003c/script\\u003e\\u003cb\\u003e") != NULL);
    CHECK(strstr(json, "</script>") == NULL);
    free(json);
    flame_free(f);

    char *html = render(export_html, p);
    CHECK(strstr(html, "<b>") == NULL);
    CHECK(strstr(html, "<tr class=\"function\" data-name=\"heavy\" data-share=\"82.5\"") != NULL);
    CHECK(strstr(html, "A.&lt;/script&gt;&lt;b&gt;") != NULL);
    free(html);
    char *svg = render(export_svg, p);
    CHECK(strncmp(svg, "<?xml", 5) == 0);
    CHECK(strstr(svg, "<b>") == NULL);
    CHECK(strstr(svg, "data-name=\"heavy\"") != NULL);
    free(svg);
    profile_free(p);
}

/* Under --memory the line tables get their memory columns and the page the
 * heap timeline with its peak. */
static void test_memory_columns(void)
{
    struct profile *p = sample_profile();
    const struct profile_frame fr[] = {{C_HEAVY, 21}, {C_MAIN, 11}, {C_MODULE, 2}};
    p->memory.heap = 1;
    p->memory.window = 1 << 20;
    profile_mem_rss(p, 0.1, 50 << 20);
    profile_mem_heap(p, 0.2, 1, fr, 3, 4 << 20, 0x1000, 0, 0);
    profile_mem_rss(p, 0.3, 60 << 20);
    profile_mem_free_block(p, 0.4, 0x1000);
    profile_mem_rss(p, 0.5, 55 << 20);
    char *html = render(export_html, p);
    CHECK(strstr(html, "<th>allocated</th>") != NULL);
    CHECK(strstr(html, "Sampled heap: peak 4.000 MB") != NULL);
    CHECK(strstr(html, "RSS: peak 60.000 MB") != NULL);
    free(html);
    profile_free(p);
}

/* The thread table carries each thread's GIL share and wait; the process
 * table lists the script and its children, the bootstrap left out of the
 * script's command, only when the script started any. */
static void test_thread_and_process_tables(void)
{
    struct profile *p = sample_profile();
    CHECK(profile_set_thread(p, 2, "helper") == 0); /* the table needs two threads */
    struct profile_thread *helper = profile_thread_of(p, 2);
    if (helper)
        helper->samples = 1; /* a thread never sampled gets no row */
    struct profile_thread *main_thread = profile_thread_of(p, 1);
    CHECK(main_thread != NULL);
    if (main_thread) {
        main_thread->samples = 4;
        main_thread->observed_seconds = 2.0;
        main_thread->gil_seconds = 0.5;
        main_thread->gil_wait_seconds = 0.125;
    }
    CHECK_EQ_INT(profile_process_set(&p->processes, &fixture_script_process), 0);
    char *html = render(export_html, p);
    CHECK(strstr(html, "<th>GIL held</th><th>GIL wait</th>") != NULL);
    CHECK(strstr(html, "<td class=\"num\">25.0%</td><td class=\"num\">0.125 s</td>") != NULL);
    CHECK(strstr(html, "id=\"process-table\"") == NULL); /* the script alone */
    free(html);
    CHECK_EQ_INT(profile_process_set(&p->processes, &fixture_shell_process), 0);
    html = render(export_html, p);
    CHECK(strstr(html, "id=\"process-table\"") != NULL);
    CHECK(strstr(html, "<td>python3 run.py 7</td>") != NULL);
    CHECK(strstr(html, "<td>sh -c sleep 0.3 [not a Python process]</td>") != NULL);
    CHECK(strstr(html, "<td class=\"num\">0.300 s</td>") != NULL); /* the shell's lifetime */
    free(html);
    profile_free(p);
}

/* The SVG is valid XML whatever bytes a name holds: a byte that is not
 * UTF-8, a surrogate's encoding and a control character become U+FFFD;
 * well-formed characters stay. */
static void test_svg_names_are_valid_xml(void)
{
    struct profile *p = profile_new();
    profile_set_code(p, 0, "/r/caf\xc3\xa9-\xff-\xed\xa0\x80.py", "f\x01g", 1);
    add(p, 1, (uint32_t[]){0}, 1, 1.0, 0, 0, 0);
    char *svg = render(export_svg, p);
    CHECK(strstr(svg, "caf\xc3\xa9-\xef\xbf\xbd-\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.py") != NULL);
    CHECK(strstr(svg, "f\xef\xbf\xbdg") != NULL);
    CHECK(strchr(svg, '\xff') == NULL && strchr(svg, '\x01') == NULL);
    free(svg);
    profile_free(p);
}

/* A table of many threads shows each process's main thread and the 12
 * heaviest others, in that order; the rest follow in a closed list,
 * heaviest first, none lost. */
static void test_thread_table_folds_the_lightest(void)
{
    struct profile *p = sample_profile();
    char name[32];
    for (uint32_t tid = 100; tid < 120; tid++) {
        snprintf(name, sizeof(name), "request-%u", tid);
        CHECK_EQ_INT(profile_set_thread(p, tid, name), 0);
        add(p, tid, (uint32_t[]){C_MAIN, C_MODULE}, 2, 0.001 * (tid - 99), 0, 0, 0);
        struct profile_thread *t = profile_thread_of(p, tid);
        if (t) {
            t->samples = 1;
            t->cpu_seconds = 0.001 * (tid - 99); /* request-119 the heaviest */
        }
    }
    CHECK_EQ_INT(profile_set_thread(p, 1, "MainThread"), 0);
    struct profile_thread *main_thread = profile_thread_of(p, 1);
    if (main_thread) {
        main_thread->samples = 10;
        main_thread->pid = 1; /* a main thread: shown, however light */
    }
    char *html = render(export_html, p);
    const char *table = strstr(html, "id=\"thread-table\"");
    const char *more = strstr(html, "id=\"thread-table-more\"");
    CHECK(table && more && table < more);
    if (table && more) {
        const char *in_table = strstr(table, "request-119"), *main_row = strstr(table, "MainThread");
        CHECK(in_table && in_table < more && main_row && main_row < more);
        const char *last_shown = strstr(table, "request-108"), *first_folded = strstr(table, "request-107");
        CHECK(last_shown && last_shown < more && first_folded && first_folded > more);
        /* heaviest first in both */
        const char *light = strstr(more, "request-100");
        CHECK(main_row < in_table && in_table < last_shown && first_folded < light);
    }
    /* 8 folded: request-100..107, 0.001..0.008 s each */
    CHECK(strstr(html, "<summary>8 more threads: 0.036 s</summary>") != NULL);
    free(html);
    profile_free(p);
}

int main(void)
{
    test_tree();
    test_documents_escape_names();
    test_memory_columns();
    test_thread_and_process_tables();
    test_thread_table_folds_the_lightest();
    test_svg_names_are_valid_xml();
    return test_finish("test_flame");
}
