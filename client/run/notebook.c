/* Turning a notebook into the bootstrap's cells document (see notebook.h). */
#include "client/run/notebook.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/model/notebook_cell.h"
#include "common/readfile.h"

struct buf {
    char *p;
    size_t len, cap;
    int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->p, cap);
        if (!grown) {
            b->oom = 1;
            return;
        }
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

int notebook_is_notebook(const char *path)
{
    size_t n = strlen(path);
    return n > 6 && strcmp(path + n - 6, ".ipynb") == 0;
}

/* text[0..n) as a Python string literal. */
static void py_literal(struct buf *b, const char *text, size_t n)
{
    puts_(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(b, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            puts_(b, esc);
        } else {
            put(b, (const char *)&c, 1);
        }
    }
    puts_(b, "\"");
}

/* Length of an assignment target "name = " or "a.b = " before a magic,
 * or 0. */
static size_t assign_prefix(const char *s, size_t n)
{
    size_t i = 0;
    if (i >= n || !(isalpha((unsigned char)s[i]) || s[i] == '_'))
        return 0;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.'))
        i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i >= n || s[i] != '=' || (i + 1 < n && s[i + 1] == '='))
        return 0;
    i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i < n && (s[i] == '!' || s[i] == '%') ? i : 0;
}

static void convert_line(struct buf *b, const char *line, size_t n, int cell, int lineno,
                         int continued)
{
    size_t indent = 0;
    while (indent < n && (line[indent] == ' ' || line[indent] == '\t'))
        indent++;
    const char *body = line + indent;
    size_t blen = n - indent, target = continued ? 0 : assign_prefix(body, blen);
    int magic = !continued && blen > 0 && (body[0] == '!' || body[0] == '%');
    if (!magic && !target) {
        put(b, line, n);
        return;
    }
    char head[64];
    put(b, line, indent);
    put(b, body, target); /* "files = " */
    snprintf(head, sizeof(head), "__fah_magic__(%d, %d, ", cell, lineno);
    puts_(b, head);
    py_literal(b, body + target, blen - target);
    puts_(b, target ? ", True)" : ")");
}

/* Where a line leaves the Python tokenizer: inside a triple-quoted string
 * (its quote character) and how many brackets are open. A line that starts
 * in either state is not a statement, so it is never taken for a magic. */
struct pystate {
    char triple;
    int depth;
};

static void scan_line(struct pystate *st, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (st->triple) {
            if (c == '\\')
                i++;
            else if (c == st->triple && i + 2 < n && s[i + 1] == c && s[i + 2] == c) {
                st->triple = 0;
                i += 2;
            }
            continue;
        }
        if (c == '#')
            return;
        if (c == '"' || c == '\'') {
            if (i + 2 < n && s[i + 1] == c && s[i + 2] == c) {
                st->triple = c;
                i += 2;
                continue;
            }
            for (i++; i < n && s[i] != c; i++)
                if (s[i] == '\\')
                    i++;
            continue;
        }
        if (c == '(' || c == '[' || c == '{')
            st->depth++;
        else if ((c == ')' || c == ']' || c == '}') && st->depth > 0)
            st->depth--;
    }
}

char *notebook_cell_python(const char *source, int cell, int *cell_magic)
{
    struct buf b = {0};
    const char *s = source;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    *cell_magic = strncmp(s, "%%", 2) == 0;
    if (*cell_magic)
        return strdup(source);
    put(&b, "", 0);
    int lineno = 1, continued = 0;
    struct pystate st = {0};
    for (const char *p = source; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t content = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
        int inside = continued || st.triple || st.depth > 0;
        convert_line(&b, p, content, cell, lineno, inside);
        put(&b, p + content, n - content + (nl ? 1 : 0));
        /* Magic lines are not Python: they do not move the state. */
        size_t indent = strspn(p, " \t");
        indent = indent < content ? indent : content;
        int magic = indent < content && (p[indent] == '!' || p[indent] == '%');
        if (inside || !(magic || assign_prefix(p + indent, content - indent)))
            scan_line(&st, p, content);
        /* A line after a backslash continuation is not a statement start. */
        continued = content > 0 && p[content - 1] == '\\';
        p += n + (nl ? 1 : 0);
        lineno++;
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static int line_of(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at && *p; p++)
        line += *p == '\n';
    return line;
}

static int check_format(const cJSON *doc, const char *name, char *err, size_t errlen)
{
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "nbformat");
    if (!cJSON_IsObject(doc) || !cJSON_IsNumber(fmt)) {
        snprintf(err, errlen, "%s: not a notebook (no \"nbformat\" number)", name);
        return -EINVAL;
    }
    if (fmt->valueint != 4) {
        snprintf(err, errlen, "%s: nbformat %d is not supported (only nbformat 4)", name,
                 fmt->valueint);
        return -EINVAL;
    }
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "cells"))) {
        snprintf(err, errlen, "%s: not a notebook (no \"cells\" array)", name);
        return -EINVAL;
    }
    return 0;
}

/* Adds one code cell to the output array. */
static int add_cell(cJSON *cells, const cJSON *cell, int index, const char *name, char *err,
                    size_t errlen)
{
    char *src = notebook_cell_source(cell);
    if (!src) {
        snprintf(err, errlen, "%s: cell %d: \"source\" is not text", name, index);
        return -EINVAL;
    }
    int magic;
    char *py = notebook_cell_python(src, index, &magic);
    cJSON *item = cJSON_CreateObject();
    int ok = py && item && cJSON_AddNumberToObject(item, "cell", index);
    if (ok && magic) {
        char *nl = strchr(py, '\n');
        char *first = py + strspn(py, " \t\r\n");
        nl = strchr(first, '\n');
        char saved = nl ? *nl : '\0';
        if (nl)
            *nl = '\0';
        ok = cJSON_AddStringToObject(item, "cell_magic", first) != NULL;
        if (nl)
            *nl = saved;
        ok = ok && cJSON_AddStringToObject(item, "body", nl ? nl + 1 : "") != NULL;
    } else if (ok) {
        ok = cJSON_AddStringToObject(item, "source", py) != NULL &&
             cJSON_AddStringToObject(item, "original", src) != NULL;
    }
    free(src);
    free(py);
    if (!ok || !cJSON_AddItemToArray(cells, item)) {
        if (!ok)
            cJSON_Delete(item);
        snprintf(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    return 0;
}

static int convert(const char *text, size_t len, const char *name, FILE *out, char *err,
                   size_t errlen)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!doc) {
        snprintf(err, errlen, "%s: not valid JSON (near line %d)", name,
                 line_of(text, end ? end : text));
        return -EINVAL;
    }
    int rc = check_format(doc, name, err, errlen), ncode = 0, index = 0;
    cJSON *outdoc = cJSON_CreateObject();
    cJSON *cells = outdoc ? cJSON_AddArrayToObject(outdoc, "cells") : NULL;
    if (rc == 0 && !cells)
        rc = (snprintf(err, errlen, "%s: out of memory", name), -ENOMEM);
    const cJSON *cell;
    const cJSON *all = rc == 0 ? cJSON_GetObjectItemCaseSensitive(doc, "cells") : NULL;
    cJSON_ArrayForEach(cell, all) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(cell, "cell_type");
        index++;
        if (!cJSON_IsString(type)) {
            rc = (snprintf(err, errlen, "%s: cell %d has no \"cell_type\"", name, index), -EINVAL);
            break;
        }
        if (strcmp(type->valuestring, "code") != 0)
            continue; /* markdown and raw cells are not run */
        ncode++;
        if ((rc = add_cell(cells, cell, index, name, err, errlen)) < 0)
            break;
    }
    if (rc == 0 && ncode == 0)
        rc = (snprintf(err, errlen, "%s: the notebook has no code cells", name), -EINVAL);
    char *rendered = rc == 0 ? cJSON_PrintUnformatted(outdoc) : NULL;
    if (rc == 0 && !rendered)
        rc = (snprintf(err, errlen, "%s: out of memory", name), -ENOMEM);
    if (rc == 0 && (fputs(rendered, out) == EOF || fflush(out) != 0))
        rc = (snprintf(err, errlen, "%s: cannot write the cells: %s", name, strerror(errno)),
              -EIO);
    free(rendered);
    cJSON_Delete(outdoc);
    cJSON_Delete(doc);
    return rc;
}

int notebook_convert(const char *path, FILE *out, char *err, size_t errlen)
{
    char *text;
    size_t len;
    int read_rc = readfile_all(path, NOTEBOOK_CELL_MAX_BYTES, &text, &len);
    if (read_rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-read_rc));
        return read_rc;
    }
    const char *slash = strrchr(path, '/');
    int rc = convert(text, len, slash ? slash + 1 : path, out, err, errlen);
    free(text);
    return rc;
}
