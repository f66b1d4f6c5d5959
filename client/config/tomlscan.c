/* The TOML statement scanner and string-value parser (see tomlscan.h).
 * Follows TOML 1.0 for what decides where a statement ends: basic strings
 * honour backslash escapes, literal strings do not, triple-quoted strings
 * may span lines and end at the last of up to five closing quotes, and a
 * value continues over newlines while an array or inline table is open. */
#include "client/config/tomlscan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 256

struct scan {
    const char *s, *end;
    int line;
    char *err;
    size_t errlen;
};

static int fail(struct scan *sc, int line, const char *what)
{
    snprintf(sc->err, sc->errlen, "line %d: %s", line, what);
    return -EINVAL;
}

static int at_end(const struct scan *sc) { return sc->s >= sc->end; }

static int starts(const struct scan *sc, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(sc->end - sc->s) >= n && memcmp(sc->s, lit, n) == 0;
}

static void skip_blank(struct scan *sc)
{
    while (!at_end(sc) && (*sc->s == ' ' || *sc->s == '\t'))
        sc->s++;
}

static void skip_comment(struct scan *sc)
{
    if (!at_end(sc) && *sc->s == '#')
        while (!at_end(sc) && *sc->s != '\n')
            sc->s++;
}

/* Skips any string starting at sc->s (which must be a quote). */
static int skip_string(struct scan *sc)
{
    int line = sc->line;
    char q = *sc->s;
    int triple = starts(sc, q == '"' ? "\"\"\"" : "'''");
    sc->s += triple ? 3 : 1;
    while (!at_end(sc)) {
        char c = *sc->s;
        if (c == '\\' && q == '"') {
            sc->s++;
            if (!at_end(sc) && *sc->s == '\n')
                sc->line++;
            if (!at_end(sc))
                sc->s++;
            continue;
        }
        if (c == '\n') {
            if (!triple)
                return fail(sc, line, "unterminated string");
            sc->line++;
        }
        if (c == q && (!triple || starts(sc, q == '"' ? "\"\"\"" : "'''"))) {
            sc->s += triple ? 3 : 1;
            /* """a"""" : up to two more quotes belong to the content. */
            for (int extra = 0; triple && extra < 2 && !at_end(sc) && *sc->s == q; extra++)
                sc->s++;
            return 0;
        }
        sc->s++;
    }
    return fail(sc, line, "unterminated string");
}

/* A key or table name: dot-separated parts, bare or quoted, joined with
 * '.' into out. Stops before '=' or ']'. */
static int read_key(struct scan *sc, char *out, size_t outlen, int *nparts)
{
    size_t used = 0;
    *nparts = 0;
    out[0] = '\0';
    for (;;) {
        skip_blank(sc);
        const char *start = sc->s;
        size_t partlen;
        if (!at_end(sc) && (*sc->s == '"' || *sc->s == '\'')) {
            if (skip_string(sc) < 0)
                return -EINVAL;
            start++;
            partlen = (size_t)(sc->s - start) - 1;
        } else {
            while (!at_end(sc) && (isalnum((unsigned char)*sc->s) || *sc->s == '_' ||
                                   *sc->s == '-'))
                sc->s++;
            partlen = (size_t)(sc->s - start);
            if (partlen == 0)
                return fail(sc, sc->line, "expected a key");
        }
        if (used + partlen + 2 > outlen)
            return fail(sc, sc->line, "key too long");
        if (used)
            out[used++] = '.';
        memcpy(out + used, start, partlen);
        used += partlen;
        out[used] = '\0';
        ++*nparts;
        skip_blank(sc);
        if (at_end(sc) || *sc->s != '.')
            return 0;
        sc->s++;
    }
}

/* Skips a value, returning its extent in [*vstart, *vend). */
static int skip_value(struct scan *sc, const char **vstart, const char **vend)
{
    int line = sc->line, depth = 0;
    skip_blank(sc);
    *vstart = sc->s;
    const char *last = sc->s;
    while (!at_end(sc)) {
        char c = *sc->s;
        if (c == '"' || c == '\'') {
            if (skip_string(sc) < 0)
                return -EINVAL;
            last = sc->s;
            continue;
        }
        if (c == '#') {
            skip_comment(sc);
            continue;
        }
        if (c == '\n') {
            if (depth == 0)
                break;
            sc->line++;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (--depth < 0)
                return fail(sc, sc->line, "unbalanced ] or }");
        }
        sc->s++;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            last = sc->s;
    }
    if (depth > 0)
        return fail(sc, line, "unterminated array or inline table");
    if (last == *vstart)
        return fail(sc, line, "a key without a value");
    *vend = last;
    return 0;
}

static int header(struct scan *sc, char *table, size_t tablelen)
{
    int nparts, line = sc->line;
    int array = starts(sc, "[[");
    sc->s += array ? 2 : 1;
    if (read_key(sc, table, tablelen, &nparts) < 0)
        return -EINVAL;
    if (!starts(sc, array ? "]]" : "]"))
        return fail(sc, line, "invalid table header");
    sc->s += array ? 2 : 1;
    skip_blank(sc);
    skip_comment(sc);
    if (!at_end(sc) && *sc->s != '\n' && *sc->s != '\r')
        return fail(sc, line, "text after a table header");
    return 0;
}

static int add_entry(struct tomlscan_entry **out, size_t *n, const char *key, int line,
                     const char *v, const char *vend)
{
    struct tomlscan_entry *grown = realloc(*out, (*n + 1) * sizeof(**out));
    if (!grown)
        return -ENOMEM;
    *out = grown;
    struct tomlscan_entry *e = &grown[*n];
    e->key = strdup(key);
    e->value = strndup(v, (size_t)(vend - v));
    e->line = line;
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return -ENOMEM;
    }
    ++*n;
    return 0;
}

/* Our table may only be a [table] of bare keys: other spellings
 * (tool.fixingahole.root = ..., fixingahole = {...} under [tool]) are
 * refused rather than silently missed. */
static int check_spelling(struct scan *sc, const char *current, const char *key,
                          const char *table, int line)
{
    char full[2 * KEY_MAX + 2];
    snprintf(full, sizeof(full), "%s%s%s", current, *current ? "." : "", key);
    size_t tl = strlen(table);
    if (strcmp(current, table) != 0 && strncmp(full, table, tl) == 0 &&
        (full[tl] == '\0' || full[tl] == '.'))
        return fail(sc, line, "write the settings as a [tool.fixingahole] table of "
                              "plain keys (dotted keys and inline tables are not read)");
    return 0;
}

int tomlscan_table(const char *text, size_t len, const char *table, struct tomlscan_entry **out,
                   size_t *n, char *err, size_t errlen)
{
    struct scan sc = {.s = text, .end = text + len, .line = 1, .err = err, .errlen = errlen};
    char current[KEY_MAX] = "", key[KEY_MAX];
    int seen = 0, rc = 0;
    *out = NULL;
    *n = 0;
    while (rc == 0) {
        while (!at_end(&sc) && strchr(" \t\r\n#", *sc.s)) {
            if (*sc.s == '#')
                skip_comment(&sc);
            else if (*sc.s++ == '\n')
                sc.line++;
        }
        if (at_end(&sc))
            break;
        int line = sc.line, nparts;
        if (*sc.s == '[') {
            if ((rc = header(&sc, current, sizeof(current))) < 0)
                break;
            if (strcmp(current, table) == 0 && seen++)
                rc = fail(&sc, line, "the table is defined twice");
            continue;
        }
        const char *v = NULL, *vend = NULL;
        if ((rc = read_key(&sc, key, sizeof(key), &nparts)) < 0)
            break;
        if (at_end(&sc) || *sc.s != '=') {
            rc = fail(&sc, line, "expected '=' after a key");
            break;
        }
        sc.s++;
        if ((rc = skip_value(&sc, &v, &vend)) < 0 ||
            (rc = check_spelling(&sc, current, key, table, line)) < 0)
            break;
        if (strcmp(current, table) != 0)
            continue;
        if (nparts != 1) {
            rc = fail(&sc, line, "dotted keys are not read in [tool.fixingahole]");
            break;
        }
        for (size_t i = 0; i < *n && rc == 0; i++)
            if (strcmp((*out)[i].key, key) == 0)
                rc = fail(&sc, line, "the key is set twice");
        if (rc == 0)
            rc = add_entry(out, n, key, line, v, vend);
    }
    if (rc < 0) {
        tomlscan_entries_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void tomlscan_entries_free(struct tomlscan_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].key);
        free(e[i].value);
    }
    free(e);
}
