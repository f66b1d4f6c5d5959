/* Settings from pyproject.toml and the environment (see config.h and
 * docs/configuration.md). The TOML scanner isolates [tool.fixingahole];
 * inih then reads an INI rendering of just that table in which every value
 * is replaced by the index of its raw text, so inih's own comment and
 * continuation rules never see TOML values. */
#include "client/config/config.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/config/tomlscan.h"
#include "common/path_collapse.h"

#define TABLE "tool.fixingahole"

void config_resolve(char *out, size_t outlen, const char *base, const char *path)
{
    char joined[2 * PATH_MAX + 2];
    if (path[0] == '/')
        snprintf(joined, sizeof(joined), "%s", path);
    else
        snprintf(joined, sizeof(joined), "%s/%s", base, path);
    /* Lexical clean-up first: realpath fails on a path that does not
     * exist yet (an output folder), and the text is then all there is. */
    char clean[sizeof(joined)];
    path_collapse(joined, clean, sizeof(clean));
    char real[PATH_MAX];
    snprintf(out, outlen, "%s", realpath(clean, real) ? real : clean);
}

int config_add_ignore(struct config *c, const char *dir, const char *base)
{
    if (c->nignore == CONFIG_MAX_IGNORE)
        return -E2BIG;
    char path[PATH_MAX];
    config_resolve(path, sizeof(path), base, dir);
    if (!(c->ignore[c->nignore] = strdup(path)))
        return -ENOMEM;
    c->nignore++;
    return 0;
}

static void clear_ignore(struct config *c)
{
    for (size_t i = 0; i < c->nignore; i++)
        free(c->ignore[i]);
    c->nignore = 0;
}

struct ini_ctx {
    struct config *c;
    const char *file, *dir;
    struct tomlscan_entry *entries;
    size_t n;
    char *err;
    size_t errlen;
    int rc;
};

static int set_key(struct ini_ctx *x, const struct tomlscan_entry *e)
{
    char **items, why[256];
    size_t n;
    int is_array, rc;
    if (strcmp(e->key, "root") != 0 && strcmp(e->key, "output") != 0 &&
        strcmp(e->key, "ignore") != 0) {
        snprintf(x->err, x->errlen, "%s:%d: %s: unknown setting (expected root, output or ignore)",
                 x->file, e->line, e->key);
        return -EINVAL;
    }
    if ((rc = tomlscan_strings(e->value, &items, &n, &is_array, why, sizeof(why))) < 0) {
        snprintf(x->err, x->errlen, "%s:%d: %s: %s", x->file, e->line, e->key,
                 rc == -ENOMEM ? "out of memory" : why);
        return rc;
    }
    if (strcmp(e->key, "ignore") != 0 && is_array) {
        snprintf(x->err, x->errlen, "%s:%d: %s: expected a string (a folder), got an array",
                 x->file, e->line, e->key);
        rc = -EINVAL;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!items[i][0]) {
            snprintf(x->err, x->errlen, "%s:%d: %s: an empty path", x->file, e->line, e->key);
            rc = -EINVAL;
        }
    }
    if (rc == 0 && strcmp(e->key, "root") == 0)
        config_resolve(x->c->root, sizeof(x->c->root), x->dir, items[0]);
    else if (rc == 0 && strcmp(e->key, "output") == 0)
        config_resolve(x->c->output, sizeof(x->c->output), x->dir, items[0]);
    else if (rc == 0) {
        clear_ignore(x->c);
        for (size_t i = 0; rc == 0 && i < n; i++)
            if ((rc = config_add_ignore(x->c, items[i], x->dir)) < 0)
                snprintf(x->err, x->errlen, "%s:%d: ignore: %s", x->file, e->line,
                         rc == -E2BIG ? "too many folders" : "out of memory");
    }
    tomlscan_strings_free(items, n);
    return rc;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *x = user;
    char *end;
    unsigned long i = strtoul(value, &end, 10);
    (void)section;
    (void)name;
    if (x->rc < 0)
        return 0;
    if (*end || i >= x->n) {
        snprintf(x->err, x->errlen, "%s: internal error reading [tool.fixingahole]", x->file);
        x->rc = -EINVAL;
        return 0;
    }
    x->rc = set_key(x, &x->entries[i]);
    return x->rc == 0;
}

static int read_text(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char *buf = NULL;
    size_t cap = 0, used = 0, got;
    do {
        if (used + 4096 + 1 > cap) {
            char *grown = realloc(buf, cap = (used + 4096 + 1) * 2);
            if (!grown) {
                free(buf);
                fclose(f);
                return -ENOMEM;
            }
            buf = grown;
        }
        got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
    } while (got > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return -EIO;
    }
    buf[used] = '\0';
    *text = buf;
    *len = used;
    return 0;
}

int config_read_file(struct config *c, const char *path, char *err, size_t errlen)
{
    char *text = NULL, why[256];
    size_t len = 0;
    struct tomlscan_entry *entries = NULL;
    size_t n = 0;
    int rc = read_text(path, &text, &len);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "%s: not a text file", path);
        rc = -EINVAL;
        goto out;
    }
    if ((rc = tomlscan_table(text, len, TABLE, &entries, &n, why, sizeof(why))) < 0) {
        snprintf(err, errlen, "%s: %s", path, rc == -ENOMEM ? "out of memory" : why);
        goto out;
    }
    if (n == 0)
        goto out;
    /* "[tool.fixingahole]\nroot = 0\nignore = 1\n": values are indices. */
    char *ini = malloc(32 + n * 48); /* "k%zu = %zu\n" with 20-digit numbers */
    if (!ini) {
        rc = -ENOMEM;
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    size_t used = (size_t)sprintf(ini, "[" TABLE "]\n");
    for (size_t i = 0; i < n; i++)
        used += (size_t)sprintf(ini + used, "k%zu = %zu\n", i, i);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    struct ini_ctx x = {.c = c, .file = path, .dir = dir, .entries = entries, .n = n,
                        .err = err, .errlen = errlen};
    int line = ini_parse_string(ini, on_ini, &x);
    free(ini);
    if (x.rc < 0)
        rc = x.rc;
    else if (line != 0)
        rc = (snprintf(err, errlen, "%s: cannot read [tool.fixingahole]", path), -EINVAL);
    else
        rc = 1;
out:
    tomlscan_entries_free(entries, n);
    free(text);
    return rc;
}

/* Walks up from cwd to the first pyproject.toml with a non-empty table,
 * stopping after a folder that holds .git (the top of the checkout). */
static int find_file(struct config *c, const char *cwd, char *err, size_t errlen)
{
    char dir[PATH_MAX], path[PATH_MAX + 32];
    snprintf(dir, sizeof(dir), "%s", cwd);
    for (;;) {
        struct stat st;
        snprintf(path, sizeof(path), "%s/pyproject.toml", strcmp(dir, "/") ? dir : "");
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            int rc = config_read_file(c, path, err, errlen);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                memcpy(c->source, path, strnlen(path, sizeof(c->source) - 1) + 1);
                c->source[sizeof(c->source) - 1] = '\0';
                return 0;
            }
        }
        snprintf(path, sizeof(path), "%s/.git", strcmp(dir, "/") ? dir : "");
        if (lstat(path, &st) == 0 || strcmp(dir, "/") == 0)
            return 0;
        char *slash = strrchr(dir, '/');
        *(slash == dir ? slash + 1 : slash) = '\0';
    }
}

int config_load(struct config *c, const char *cwd, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    config_resolve(c->root, sizeof(c->root), cwd, ".");
    int rc = find_file(c, c->root, err, errlen);
    if (rc < 0)
        return rc;
    const char *env = getenv("FIXINGAHOLE_ROOT");
    if (env && *env)
        config_resolve(c->root, sizeof(c->root), cwd, env);
    env = getenv("FIXINGAHOLE_OUTPUT");
    if (env && *env)
        config_resolve(c->output, sizeof(c->output), cwd, env);
    else if (!c->output[0])
        config_resolve(c->output, sizeof(c->output), c->root, "performance");
    env = getenv("FIXINGAHOLE_IGNORE");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        if (!copy)
            return -ENOMEM;
        clear_ignore(c);
        for (char *d = strtok_r(copy, ",", &save); d && rc == 0; d = strtok_r(NULL, ",", &save)) {
            while (*d == ' ')
                d++;
            if (*d && (rc = config_add_ignore(c, d, cwd)) < 0)
                snprintf(err, errlen, "FIXINGAHOLE_IGNORE: %s",
                         rc == -E2BIG ? "too many folders" : "out of memory");
        }
        free(copy);
    }
    return rc;
}

void config_print(const struct config *c, FILE *out)
{
    fprintf(out, "root: %s\n", c->root);
    fprintf(out, "output: %s\n", c->output);
    fputs("ignore:", out);
    for (size_t i = 0; i < c->nignore; i++)
        fprintf(out, "%s%s", i ? ", " : " ", c->ignore[i]);
    fputs(c->nignore ? "\n" : " (none)\n", out);
    fprintf(out, "config: %s\n", c->source[0] ? c->source : "(none: defaults)");
}

void config_free(struct config *c)
{
    clear_ignore(c);
}
