/* Parsing the values [tool.fixingahole] accepts: one TOML string (any of
 * the four kinds) or an array of them (see tomlscan.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/config/tomlscan.h"

struct vp {
    const char *s;
    char *err;
    size_t errlen;
};

struct sbuf {
    char *p;
    size_t len, cap;
};

static int put(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->p, cap);
        if (!grown)
            return -ENOMEM;
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int bad(struct vp *v, const char *what)
{
    snprintf(v->err, v->errlen, "%s", what);
    return -EINVAL;
}

/* Encodes code point cp as UTF-8. */
static int put_utf8(struct sbuf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return put(b, u, n);
}

static int escape(struct vp *v, struct sbuf *b)
{
    static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
    char c = *v->s++;
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit)
        return put(b, &to[hit - from], 1);
    if (c == 'u' || c == 'U') {
        int digits = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < digits; i++, v->s++) {
            char h = *v->s;
            int d = h >= '0' && h <= '9' ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
            if (d < 0)
                return bad(v, "invalid \\u escape");
            cp = cp * 16 + (uint32_t)d;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return bad(v, "invalid \\u escape");
        return put_utf8(b, cp);
    }
    return bad(v, "invalid escape in a string");
}

/* One string at v->s into a new malloc'd *out. */
static int string(struct vp *v, char **out)
{
    char q = *v->s;
    int triple = strncmp(v->s, q == '"' ? "\"\"\"" : "'''", 3) == 0;
    struct sbuf b = {0};
    int rc = put(&b, "", 0);
    v->s += triple ? 3 : 1;
    if (triple && *v->s == '\n')
        v->s++; /* a newline right after the opening quotes is trimmed */
    else if (triple && v->s[0] == '\r' && v->s[1] == '\n')
        v->s += 2;
    while (rc == 0) {
        char c = *v->s;
        if (c == '\0') {
            rc = bad(v, "unterminated string");
        } else if (c == q && (!triple || strncmp(v->s, q == '"' ? "\"\"\"" : "'''", 3) == 0)) {
            int extra = 0;
            v->s += triple ? 3 : 1;
            while (triple && extra < 2 && *v->s == q)
                extra++, v->s++;
            while (rc == 0 && extra--)
                rc = put(&b, &q, 1); /* """a"""" holds a" */
            break;
        } else if (c == '\\' && q == '"') {
            v->s++;
            if (triple && strchr(" \t\r\n", *v->s)) {
                /* line-ending backslash: drop whitespace up to the next text */
                while (*v->s && strchr(" \t\r\n", *v->s))
                    v->s++;
            } else {
                rc = escape(v, &b);
            }
        } else if (c == '\n' && !triple) {
            rc = bad(v, "unterminated string");
        } else {
            rc = put(&b, v->s++, 1);
        }
    }
    if (rc < 0) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    return 0;
}

static void skip_space(struct vp *v, int newlines)
{
    for (;;) {
        while (*v->s == ' ' || *v->s == '\t' || (newlines && strchr("\r\n", *v->s) && *v->s))
            v->s++;
        if (newlines && *v->s == '#') {
            while (*v->s && *v->s != '\n')
                v->s++;
            continue;
        }
        return;
    }
}

static int push(char ***items, size_t *n, char *s)
{
    char **grown = realloc(*items, (*n + 1) * sizeof(char *));
    if (!grown) {
        free(s);
        return -ENOMEM;
    }
    *items = grown;
    grown[(*n)++] = s;
    return 0;
}

static int array(struct vp *v, char ***items, size_t *n)
{
    v->s++;
    for (;;) {
        skip_space(v, 1);
        if (*v->s == ']') {
            v->s++;
            return 0;
        }
        if (*v->s != '"' && *v->s != '\'')
            return bad(v, "expected an array of strings");
        char *s;
        int rc = string(v, &s);
        if (rc < 0 || (rc = push(items, n, s)) < 0)
            return rc;
        skip_space(v, 1);
        if (*v->s == ',')
            v->s++;
        else if (*v->s != ']')
            return bad(v, "expected ',' or ']' in an array");
    }
}

int tomlscan_strings(const char *raw, char ***items, size_t *nitems, int *is_array, char *err,
                     size_t errlen)
{
    struct vp v = {.s = raw, .err = err, .errlen = errlen};
    int rc;
    *items = NULL;
    *nitems = 0;
    skip_space(&v, 0);
    *is_array = *v.s == '[';
    if (*is_array) {
        rc = array(&v, items, nitems);
    } else if (*v.s == '"' || *v.s == '\'') {
        char *s;
        rc = string(&v, &s);
        if (rc == 0)
            rc = push(items, nitems, s);
    } else {
        rc = bad(&v, "expected a string or an array of strings");
    }
    if (rc == 0) {
        skip_space(&v, 1);
        if (*v.s)
            rc = bad(&v, "unexpected text after the value");
    }
    if (rc < 0) {
        tomlscan_strings_free(*items, *nitems);
        *items = NULL;
        *nitems = 0;
    }
    return rc;
}

void tomlscan_strings_free(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}
