/* The Stack Trace Summary: for each top function, its callers as a tree
 * read from the innermost caller outwards, so paths sharing a caller share
 * a branch. Counts are samples (the original tool printed them as
 * "n_calls", which they are not). At most REPORT_TEXT_TRACE_DEPTH callers
 * are shown; profile.json has the whole stacks. */
#include <stdlib.h>
#include <string.h>

#include "client/model/notebook_cell.h"
#include "client/report/report_text.h"
#include "client/report/report_text_internal.h"

#define TRACE_RULE_WIDTH 82

struct trie {
    const struct summary_frame *frame; /* NULL at the root */
    uint64_t ending;                   /* samples of paths ending here */
    uint64_t total;                    /* samples at or below */
    uint64_t cut;                      /* samples of paths with outer callers left out */
    struct trie *kids;
    size_t nkids;
};

static void trie_free(struct trie *t)
{
    for (size_t i = 0; i < t->nkids; i++)
        trie_free(&t->kids[i]);
    free(t->kids);
}

static struct trie *trie_child(struct trie *t, const struct summary_frame *fr)
{
    struct trie *kids;

    for (size_t i = 0; i < t->nkids; i++) {
        const struct summary_frame *k = t->kids[i].frame;

        if (k->code_id == fr->code_id && k->line == fr->line)
            return &t->kids[i];
    }
    if (!(kids = realloc(t->kids, (t->nkids + 1) * sizeof(*kids))))
        return NULL;
    t->kids = kids;
    memset(&kids[t->nkids], 0, sizeof(*kids));
    kids[t->nkids].frame = fr;
    return &kids[t->nkids++];
}

/* Adds a path walking its frames innermost first. Returns 0 or -1. */
static int trie_add(struct trie *root, const struct summary_path *path)
{
    struct trie *t = root;

    size_t outer = path->nframes > REPORT_TEXT_TRACE_DEPTH
                       ? path->nframes - REPORT_TEXT_TRACE_DEPTH : 0;

    root->total += path->samples;
    for (size_t i = path->nframes; i-- > outer;) {
        if (!(t = trie_child(t, &path->frames[i])))
            return -1;
        t->total += path->samples;
    }
    if (outer)
        t->cut += path->samples;
    else
        t->ending += path->samples;
    return 0;
}

static int trie_cmp(const void *a, const void *b)
{
    const struct trie *x = a, *y = b;

    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    return (x->frame->line > y->frame->line) - (x->frame->line < y->frame->line);
}

static void trie_sort(struct trie *t)
{
    if (t->nkids > 1)
        qsort(t->kids, t->nkids, sizeof(*t->kids), trie_cmp);
    for (size_t i = 0; i < t->nkids; i++)
        trie_sort(&t->kids[i]);
}

/* prefix has room for one more "│  " per remaining level. */
static void print_node(FILE *out, const struct trie *t, char *prefix, int last)
{
    size_t plen = strlen(prefix);

    const struct summary_frame *f = t->frame;
    if (f->gap) {
        fprintf(out, "%s%s%s\n", prefix, last ? "└─ " : "├─ ", f->qualname);
    } else if (f->native) {
        const char *slash = strrchr(f->file, '/');
        fprintf(out, "%s%s[native] %s (%s)\n", prefix, last ? "└─ " : "├─ ", f->qualname,
                slash ? slash + 1 : f->file);
    } else {
        fprintf(out, "%s%s%s%s%d; %s\n", prefix, last ? "└─ " : "├─ ", f->rel,
                notebook_cell_line_sep(f->rel), f->line, f->qualname);
    }
    strcat(prefix, last ? "   " : "│  ");
    if (t->ending)
        fprintf(out, "%ssamples: %llu\n", prefix, (unsigned long long)t->ending);
    if (t->cut)
        fprintf(out, "%s... more callers (full stacks in profile.json), samples: %llu\n",
                prefix, (unsigned long long)t->cut);
    for (size_t i = 0; i < t->nkids; i++) {
        print_node(out, &t->kids[i], prefix, i + 1 == t->nkids);
        if (i + 1 < t->nkids)
            fprintf(out, "%s│\n", prefix);
    }
    prefix[plen] = '\0';
}

static size_t trace_depth(const struct summary_trace *t, size_t npaths)
{
    size_t d = 0;

    for (size_t i = 0; i < npaths; i++) {
        if (t->paths[i].nframes > d)
            d = t->paths[i].nframes;
    }
    return d < REPORT_TEXT_TRACE_DEPTH ? d : REPORT_TEXT_TRACE_DEPTH;
}

static void print_trace(FILE *out, const struct summary *s,
                        const struct summary_trace *tr)
{
    const struct summary_function *f = &s->functions[tr->function];
    size_t shown = tr->npaths < REPORT_TEXT_TRACE_PATHS ? tr->npaths
                                                        : REPORT_TEXT_TRACE_PATHS;
    struct trie root = { 0 };
    char *prefix = calloc(5 * (trace_depth(tr, shown) + 2), 1);
    uint64_t rest = 0;

    fprintf(out, "%s, (%.2f%%) %s%s%d\n", report_text_label(s, f), f->percent, f->rel,
            notebook_cell_line_sep(f->rel), f->firstlineno);
    for (size_t i = 0; i < shown && prefix; i++) {
        if (trie_add(&root, &tr->paths[i]) < 0)
            break;
    }
    trie_sort(&root);
    if (prefix && root.ending)
        fprintf(out, "  samples: %llu (no caller)\n",
                (unsigned long long)root.ending);
    for (size_t i = 0; prefix && i < root.nkids; i++) {
        strcpy(prefix, "  ");
        print_node(out, &root.kids[i], prefix, i + 1 == root.nkids);
        if (i + 1 < root.nkids)
            fputs("  │\n", out);
    }
    for (size_t i = shown; i < tr->npaths; i++)
        rest += tr->paths[i].samples;
    if (rest)
        fprintf(out, "  ... %zu more call paths, samples: %llu\n",
                tr->npaths - shown, (unsigned long long)rest);
    fputs("\n\n", out);
    trie_free(&root);
    free(prefix);
}

void report_text_trace(FILE *out, const struct summary *s)
{
    struct report_text_fit fit;

    fprintf(out, "\nStack Trace Summary (%.3fs total)\n", s->total);
    report_text_repeat(out, "=", TRACE_RULE_WIDTH);
    fputs("\n\n", out);
    FILE *trace = report_text_fit_begin(&fit, out);
    for (size_t i = 0; i < s->ntraces; i++)
        print_trace(trace, s, &s->traces[i]);
    report_text_fit_end(&fit);
}
