/* The settings in force for a run: root, output folder and ignored folders,
 * from the nearest pyproject.toml with a [tool.fixingahole] table, then the
 * FIXINGAHOLE_ROOT / FIXINGAHOLE_OUTPUT / FIXINGAHOLE_IGNORE environment
 * variables. How the TOML is read safely with inih: docs/configuration.md. */
#ifndef FAH_CLIENT_CONFIG_H
#define FAH_CLIENT_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_MAX_IGNORE 128

struct config {
    char root[PATH_MAX];   /* absolute, no trailing slash */
    char output[PATH_MAX]; /* absolute */
    char *ignore[CONFIG_MAX_IGNORE]; /* absolute; owned */
    size_t nignore;
    char source[PATH_MAX]; /* the pyproject.toml used, or "" */
};

/* Fills c for a run started in cwd. Returns 0, or a negative errno code
 * with a one-line reason in err ("pyproject.toml:12: ignore: ..."). Free
 * with config_free even on failure. */
int config_load(struct config *c, const char *cwd, char *err, size_t errlen);

/* The [tool.fixingahole] table of one file, without the search or the
 * environment: relative paths resolve against the file's folder. Returns
 * 1 when the file has a non-empty table, 0 when it has none (c is left
 * untouched), or a negative errno code with err filled. */
int config_read_file(struct config *c, const char *path, char *err, size_t errlen);

/* Adds an ignored folder (resolved against base when relative). Returns 0
 * or a negative errno code. */
int config_add_ignore(struct config *c, const char *dir, const char *base);

/* Joins base and path (path as is when absolute) and normalises "." and
 * ".." lexically, then resolves symbolic links when the path exists. */
void config_resolve(char *out, size_t outlen, const char *base, const char *path);

/* Prints the settings, one "name: value" a line. */
void config_print(const struct config *c, FILE *out);

void config_free(struct config *c);

#endif
