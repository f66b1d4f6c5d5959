/* The flame tree as compact JSON (see flame_json.h). Microsecond integers
 * and a flat preorder array keep a tree of a million nodes to a few
 * characters per number, parsed by one JSON.parse in the browser. */
#include "client/export/flame_json.h"

#include <errno.h>
#include <stdlib.h>

#include "client/export/escape.h"

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

/* The node's five numbers, after a separator (a line break now and then
 * keeps the file readable by line-based tools). */
static void write_node(FILE *out, const struct flame *f, uint32_t i, size_t nth)
{
    const struct flame_node *n = &f->nodes[i];
    unsigned kids = 0;
    for (uint32_t c = n->first_child; c != FLAME_NONE; c = f->nodes[c].next_sibling)
        kids++;
    if (nth)
        fputs(nth % 8 ? "," : ",\n", out);
    fprintf(out, "%ld,%u,%.0f,%.0f,%.0f",
            n->func == FLAME_NONE ? -1L : (long)n->func, kids, n->seconds[0] * 1e6,
            n->seconds[1] * 1e6, n->seconds[2] * 1e6);
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
