/* The flame tree as compact JSON (see flame_json.h). Microsecond integers
 * and a flat preorder array keep a tree of a million nodes to a few
 * characters per number, parsed by one JSON.parse in the browser. */
#include "client/view/flame_json.h"

#include <errno.h>
#include <stdlib.h>

#include "client/view/escape.h"

static void write_funcs(FILE *out, const struct flame *f, const char *root)
{
    fputs("{\"funcs\":[", out);
    for (size_t i = 0; i < f->nfuncs; i++) {
        const struct flame_func *fn = &f->funcs[i];
        fputs(i ? ",[" : "[", out);
        escape_json(out, flame_func_name(fn));
        fputc(',', out);
        escape_json(out, fn->qualname);
        fputc(',', out);
        escape_json(out, summary_relative(fn->file, root));
        fprintf(out, ",%d]", fn->firstlineno);
    }
    fputs("],\n\"nodes\":[", out);
}

/* v as decimal digits ending at end; returns where they start. The page
 * holds five numbers per node: printf was most of the writer's time. */
static char *put_number(char *end, long long v)
{
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        *--end = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--end = '-';
    return end;
}

/* The node's five numbers (inclusive microseconds per kind), after a
 * separator; a line break now and then keeps the file readable by
 * line-based tools. Built backwards in one buffer, written at once. */
static void write_node(FILE *out, const struct flame *f, uint32_t i, size_t nth)
{
    const struct flame_node *n = &f->nodes[i];
    long long kids = 0;
    for (uint32_t c = n->first_child; c != FLAME_NONE; c = f->nodes[c].next_sibling)
        kids++;
    char buf[128], *p = buf + sizeof(buf);
    for (int k = SUMMARY_KINDS; k-- > 0;) {
        p = put_number(p, (long long)(n->seconds[k] * 1e6 + 0.5)); /* never negative */
        *--p = ',';
    }
    p = put_number(p, kids);
    *--p = ',';
    p = put_number(p, n->func == FLAME_NONE ? -1 : (long long)n->func);
    if (nth && nth % 8 == 0)
        *--p = '\n';
    if (nth)
        *--p = ',';
    fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), out);
}

int flame_json_write(FILE *out, const struct flame *f, const char *root)
{
    /* Preorder without recursion: stacks can be thousands of frames deep. */
    uint32_t *todo = malloc((f->nnodes + 1) * sizeof(*todo));
    if (!todo)
        return -ENOMEM;
    write_funcs(out, f, root);
    size_t ntodo = 0, nth = 0;
    if (f->nnodes)
        todo[ntodo++] = 0;
    while (ntodo) {
        uint32_t i = todo[--ntodo];
        write_node(out, f, i, nth++);
        size_t start = ntodo;
        for (uint32_t c = f->nodes[i].first_child; c != FLAME_NONE; c = f->nodes[c].next_sibling)
            todo[ntodo++] = c;
        for (size_t a = start, b = ntodo; a + 1 < b; a++, b--) { /* hottest popped first */
            uint32_t t = todo[a];
            todo[a] = todo[b - 1];
            todo[b - 1] = t;
        }
    }
    free(todo);
    fputs("]}", out);
    return 0;
}
