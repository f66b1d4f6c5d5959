/* The standalone SVG flame graph (see svg.h): one pass over the flame
 * tree in preorder, each drawn frame a <g> with its layout in data-
 * attributes for the inline script (svg_script.js, embedded as a CDATA
 * section). */
#include "client/view/svg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/view/escape.h"
#include "client/view/flame.h"

#define ROW 16
#define TOP 44 /* title, search and info above the frames */

extern const char view_svg_js[];

struct layout {
    uint32_t node;
    double x; /* pixels from the left */
};

struct canvas {
    FILE *out;
    const struct flame *f;
    double scale; /* pixels per second */
    double height;
};

static const char *func_label(const struct flame *f, uint32_t i)
{
    uint32_t fn = f->nodes[i].func;
    return fn == FLAME_NONE ? "all" : flame_func_name(&f->funcs[fn]);
}

static void frame_title(FILE *out, const struct flame *f, uint32_t i)
{
    const struct flame_node *n = &f->nodes[i];
    const struct flame_func *fn = n->func == FLAME_NONE ? NULL : &f->funcs[n->func];
    escape_xml(out, fn ? fn->qualname : "all");
    if (fn && fn->file[0]) {
        fputs(" (", out);
        escape_xml(out, fn->file);
        /* A native function (--native) has no line: its file is its object. */
        if (fn->firstlineno > 0)
            fprintf(out, ":%d", fn->firstlineno);
        fputc(')', out);
    }
    fprintf(out, "\n%.3f s, %.1f%% of the run\npython %.1f%% \xc2\xb7 native %.1f%% \xc2\xb7 "
                 "system %.1f%%",
            n->total, summary_percent(n->total, f->nodes[0].total),
            summary_percent(n->seconds[0], n->total), summary_percent(n->seconds[1], n->total),
            summary_percent(n->seconds[2], n->total));
}

/* Warm for Python, blue for native, grey for system: the kind with the
 * most time; the name varies the shade. */
static void frame_fill(FILE *out, const struct flame_node *n, const char *name)
{
    unsigned h = 0;
    for (const char *c = name; *c; c++)
        h = h * 31 + (unsigned char)*c;
    int kind = 0;
    for (int k = 1; k < SUMMARY_KINDS; k++)
        if (n->seconds[k] > n->seconds[kind])
            kind = k;
    int v = (int)(h % 40);
    if (kind == 0)
        fprintf(out, "rgb(%d,%d,%d)", 225 + v / 2, 120 + v * 2, 40 + v);
    else if (kind == 1)
        fprintf(out, "rgb(%d,%d,%d)", 80 + v, 140 + v, 220);
    else
        fprintf(out, "rgb(%d,%d,%d)", 170 + v, 170 + v, 170 + v);
}

/* The name, or as much of it as fits in room characters ending in "..";
 * never cut inside a UTF-8 sequence. */
static void frame_text(FILE *out, const char *name, int room)
{
    char buf[256];
    if (room < 3)
        return;
    size_t len = strlen(name);
    if (len <= (size_t)room) {
        escape_xml(out, name);
        return;
    }
    size_t keep = (size_t)room - 2 < sizeof(buf) - 3 ? (size_t)room - 2 : sizeof(buf) - 3;
    while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(buf, name, keep);
    memcpy(buf + keep, "..", 3);
    escape_xml(out, buf);
}

static void frame(const struct canvas *c, uint32_t i, double x)
{
    const struct flame_node *n = &c->f->nodes[i];
    const char *name = func_label(c->f, i);
    double w = n->total * c->scale, y = c->height - (n->depth + 1) * ROW;
    fputs("<g class=\"f\" data-name=\"", c->out);
    escape_xml(c->out, name);
    fputs("\" data-key=\"", c->out);
    escape_xml(c->out, n->func == FLAME_NONE ? "all" : c->f->funcs[n->func].qualname);
    fputc(' ', c->out);
    escape_xml(c->out, n->func == FLAME_NONE ? "" : c->f->funcs[n->func].file);
    fprintf(c->out, "\" data-x=\"%.3f\" data-w=\"%.3f\" data-depth=\"%u\"><title>", x, w,
            n->depth);
    frame_title(c->out, c->f, i);
    fprintf(c->out, "</title><rect x=\"%.3f\" y=\"%.0f\" width=\"%.3f\" height=\"%d\" fill=\"",
            x, y, w > 0.6 ? w - 0.5 : w, ROW - 1);
    frame_fill(c->out, n, name);
    fprintf(c->out, "\"/><text x=\"%.3f\" y=\"%.0f\">", x + 3, y + ROW - 4);
    frame_text(c->out, name, (int)((w - 6) / 7));
    fputs("</text></g>\n", c->out);
}

/* Every frame at least SVG_MIN_WIDTH wide, in preorder; a narrower frame's
 * callees are narrower still and are skipped with it. */
static int draw(const struct canvas *c)
{
    const struct flame *f = c->f;
    struct layout *todo = malloc((f->nnodes + 1) * sizeof(*todo));
    if (!todo)
        return -ENOMEM;
    size_t n = 0;
    todo[n++] = (struct layout){0, 0};
    while (n) {
        struct layout at = todo[--n];
        if (f->nodes[at.node].total * c->scale < SVG_MIN_WIDTH)
            continue;
        frame(c, at.node, at.x);
        double x = at.x;
        size_t start = n;
        for (uint32_t k = f->nodes[at.node].first_child; k != FLAME_NONE;
             k = f->nodes[k].next_sibling) {
            todo[n++] = (struct layout){k, x};
            x += f->nodes[k].total * c->scale;
        }
        for (size_t a = start, b = n; a + 1 < b; a++, b--) { /* leftmost first */
            struct layout t = todo[a];
            todo[a] = todo[b - 1];
            todo[b - 1] = t;
        }
    }
    free(todo);
    return 0;
}

/* The deepest frame that will be drawn: widths only shrink downwards. */
static uint32_t drawn_depth(const struct flame *f, double scale)
{
    uint32_t depth = 0;
    for (size_t i = 0; i < f->nnodes; i++)
        if (f->nodes[i].total * scale >= SVG_MIN_WIDTH && f->nodes[i].depth > depth)
            depth = f->nodes[i].depth;
    return depth;
}

static void header(FILE *out, double height)
{
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                 "height=\"%.0f\" viewBox=\"0 0 %d %.0f\" data-width=\"%d\" data-zoom=\"all\">\n"
                 "<style>text { font: 11px monospace; pointer-events: none; } "
                 "g.f { cursor: pointer; } g.f:hover rect { stroke: #000; stroke-width: 0.5; }"
                 "</style>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n"
                 "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" style=\"font-size:15px\">"
                 "fixingahole flame graph</text>\n"
                 "<text id=\"search\" x=\"%d\" y=\"20\" text-anchor=\"end\" "
                 "style=\"pointer-events:all;cursor:pointer\">Search</text>\n"
                 "<text id=\"info\" x=\"10\" y=\"36\"></text>\n",
            SVG_WIDTH, height, SVG_WIDTH, height, SVG_WIDTH, SVG_WIDTH / 2, SVG_WIDTH - 10);
}

int export_svg(const struct profile *p, FILE *out, char *err, size_t errlen)
{
    struct flame *f = flame_new(p, p->include_idle);
    if (!f) {
        snprintf(err, errlen, "flame graph: out of memory");
        return -ENOMEM;
    }
    double total = f->nodes[0].total;
    struct canvas c = {.out = out, .f = f, .scale = total > 0 ? SVG_WIDTH / total : 0};
    c.height = TOP + (drawn_depth(f, c.scale) + 1) * ROW + 8;
    header(out, c.height);
    c.height -= 8;
    int rc = draw(&c);
    fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n</svg>\n",
            view_svg_js);
    flame_free(f);
    if (rc < 0) {
        snprintf(err, errlen, "flame graph: out of memory");
        return rc;
    }
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, errlen, "flame graph: write failed");
        return -EIO;
    }
    return 0;
}
