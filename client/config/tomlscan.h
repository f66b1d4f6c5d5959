/* Just enough TOML to pull one table out of a real pyproject.toml: a
 * scanner that knows where every statement of the file starts and ends
 * (strings of all four kinds, multi-line arrays, inline tables, comments),
 * so nothing inside another tool's value can be mistaken for our header or
 * keys, and a parser for the values we accept (a string, or an array of
 * strings). Pure functions over a buffer. */
#ifndef FAH_CLIENT_TOMLSCAN_H
#define FAH_CLIENT_TOMLSCAN_H

#include <stddef.h>

struct tomlscan_entry {
    char *key;   /* bare, unquoted */
    int line;    /* 1-based line of the key */
    char *value; /* the raw value text, as written (may span lines) */
};

/* Collects the key/value statements of table `table` ("tool.fixingahole")
 * from text[0..len). *out is an array of *n entries for
 * tomlscan_entries_free (NULL when the table is absent or empty). Returns
 * 0, -EINVAL for text the scanner cannot follow or for our table written
 * in a form it does not take (dotted keys, an inline table, a repeated
 * key), with "line N: reason" in err, or -ENOMEM. */
int tomlscan_table(const char *text, size_t len, const char *table, struct tomlscan_entry **out,
                   size_t *n, char *err, size_t errlen);

void tomlscan_entries_free(struct tomlscan_entry *e, size_t n);

/* Parses a raw value that must be one string or an array of strings.
 * *items gets *nitems malloc'd strings (free with tomlscan_strings_free);
 * *is_array tells which form it was. Returns 0, or -EINVAL with the reason
 * in err, or -ENOMEM. */
int tomlscan_strings(const char *raw, char ***items, size_t *nitems, int *is_array, char *err,
                     size_t errlen);

void tomlscan_strings_free(char **items, size_t n);

#endif
