/* config.c and tomlscan*.c: [tool.fixingahole] read out of realistic
 * pyproject.toml files (other tools' tables, multi-line arrays and strings,
 * inline tables, text that looks like our header inside strings), errors
 * naming file, line and key, the search up to .git, and the environment. */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "client/config/config.h"
#include "client/config/tomlscan.h"

static char tmp[PATH_MAX / 2];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* A pyproject.toml as real projects have them, with traps for a reader
 * that does not follow TOML. */
static const char realistic[] =
    "[build-system]\n"
    "requires = [\"setuptools>=61\",\n"
    "            \"wheel\"]  # comment ] with [tool.fixingahole]\n"
    "[project]\n"
    "name = \"demo\"\n"
    "description = \"\"\"\n"
    "[tool.fixingahole]\n"
    "root = \"/wrong\"\n"
    "\"\"\"\n"
    "authors = [{name = \"A ; B\", email = \"a@b\"}]\n"
    "literal = '''\n"
    "ignore = [\"wrong\"]\n"
    "'''\n"
    "[tool.black]\n"
    "line-length = 100\n"
    "extend-exclude = '''\n"
    "/(\n"
    "  \\.git\n"
    ")/\n"
    "'''\n"
    "[tool.ruff.lint]\n"
    "select = [\n"
    "  \"E\",  # errors\n"
    "  \"W\",\n"
    "]\n"
    "\n"
    "[tool.fixingahole]  # ours\n"
    "root = \"src\"\n"
    "output = 'results/perf'   # literal string\n"
    "ignore = [\n"
    "    \"scratch/work\", # a comment\n"
    "    'unfinished ideas',\n"
    "    \"semi;colon\",\n"
    "]\n"
    "\n"
    "[tool.other]\n"
    "root = \"/not/ours\"\n"
    "[[tool.poetry.source]]\n"
    "name = \"x\"\n";

static void test_scanner(void)
{
    struct tomlscan_entry *e;
    size_t n;
    char err[256];
    CHECK_EQ_INT(tomlscan_table(realistic, sizeof(realistic) - 1, "tool.fixingahole", &e, &n,
                                err, sizeof(err)), 0);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_EQ_STR(e[0].key, "root");
        CHECK_EQ_INT(e[0].line, 28);
        CHECK_EQ_STR(e[1].key, "output");
        CHECK_EQ_STR(e[2].key, "ignore");
        CHECK_EQ_INT(e[2].line, 30);
        char **items;
        size_t ni;
        int arr;
        CHECK_EQ_INT(tomlscan_strings(e[2].value, &items, &ni, &arr, err, sizeof(err)), 0);
        CHECK_EQ_INT(ni, 3);
        CHECK(arr);
        if (ni == 3) {
            CHECK_EQ_STR(items[0], "scratch/work");
            CHECK_EQ_STR(items[1], "unfinished ideas");
            CHECK_EQ_STR(items[2], "semi;colon");
        }
        tomlscan_strings_free(items, ni);
    }
    tomlscan_entries_free(e, n);
}

static void test_strings(void)
{
    char **items, err[256];
    size_t n;
    int arr;
    CHECK_EQ_INT(tomlscan_strings("\"a\\tb\\u00e9\\\"\"", &items, &n, &arr, err, sizeof(err)), 0);
    CHECK(n == 1 && !arr && strcmp(items[0], "a\tb\xc3\xa9\"") == 0);
    tomlscan_strings_free(items, n);
    CHECK_EQ_INT(tomlscan_strings("\"\"\"\nmulti\nline\"\"\"", &items, &n, &arr, err,
                                  sizeof(err)), 0);
    CHECK(n == 1 && strcmp(items[0], "multi\nline") == 0);
    tomlscan_strings_free(items, n);
    CHECK_EQ_INT(tomlscan_strings("'C:\\path'", &items, &n, &arr, err, sizeof(err)), 0);
    CHECK(n == 1 && strcmp(items[0], "C:\\path") == 0);
    tomlscan_strings_free(items, n);
    CHECK_EQ_INT(tomlscan_strings("[]", &items, &n, &arr, err, sizeof(err)), 0);
    CHECK(n == 0 && arr);
    tomlscan_strings_free(items, n);
    CHECK(tomlscan_strings("42", &items, &n, &arr, err, sizeof(err)) < 0);
    CHECK(tomlscan_strings("[\"a\", 1]", &items, &n, &arr, err, sizeof(err)) < 0);
    CHECK(tomlscan_strings("\"a\" junk", &items, &n, &arr, err, sizeof(err)) < 0);
    CHECK(tomlscan_strings("\"unterminated", &items, &n, &arr, err, sizeof(err)) < 0);
}

/* Reads text as dir/pyproject.toml; returns config_read_file's code. */
static int read_text(const char *text, struct config *c, char *err, size_t errlen)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/pyproject.toml", tmp);
    write_file(path, text);
    memset(c, 0, sizeof(*c));
    return config_read_file(c, path, err, errlen);
}

static void test_file(void)
{
    struct config c;
    char err[512], want[PATH_MAX + 64];
    CHECK_EQ_INT(read_text(realistic, &c, err, sizeof(err)), 1);
    snprintf(want, sizeof(want), "%s/src", tmp);
    CHECK_EQ_STR(c.root, want);
    snprintf(want, sizeof(want), "%s/results/perf", tmp);
    CHECK_EQ_STR(c.output, want);
    CHECK_EQ_INT(c.nignore, 3);
    snprintf(want, sizeof(want), "%s/unfinished ideas", tmp);
    CHECK(c.nignore == 3 && strcmp(c.ignore[1], want) == 0);
    config_free(&c);

    CHECK_EQ_INT(read_text("[tool.black]\nx = 1\n[tool.fixingahole]\n", &c, err, sizeof(err)), 0);
    config_free(&c);
    CHECK_EQ_INT(read_text("[tool.fixingahole]\nignore = \"one\"\n", &c, err, sizeof(err)), 1);
    CHECK_EQ_INT(c.nignore, 1);
    config_free(&c);
}

/* A malformed table: the message names the file, the line and the key. */
static void check_error(const char *text, const char *expect)
{
    struct config c;
    char err[512];
    CHECK(read_text(text, &c, err, sizeof(err)) < 0);
    if (!strstr(err, expect) || !strstr(err, "pyproject.toml:")) {
        fprintf(stderr, "error was '%s', expected it to contain '%s'\n", err, expect);
        CHECK(0);
    }
    config_free(&c);
}

static void test_errors(void)
{
    check_error("[tool.fixingahole]\nroot = \"a\"\nignore = [\"a\", 3]\n",
                "pyproject.toml:3: ignore: expected an array of strings");
    check_error("[a]\n\n[tool.fixingahole]\nroot = 5\n",
                "pyproject.toml:4: root: expected a string");
    check_error("[tool.fixingahole]\noutput = [\"a\"]\n", "pyproject.toml:2: output: expected a string");
    check_error("[tool.fixingahole]\nroots = \"a\"\n", "pyproject.toml:2: roots: unknown setting");
    check_error("[tool.fixingahole]\nignore = [\"a\",\n", "line 2: unterminated array");
    check_error("[tool.fixingahole]\nroot = \"a\"\nroot = \"b\"\n", "line 3: the key is set twice");
    check_error("[tool]\nfixingahole = {root = \"a\"}\n", "line 2:");
    check_error("tool.fixingahole.root = \"a\"\n", "line 1:");
}

static void test_search_and_env(void)
{
    char sub[PATH_MAX + 64], path[PATH_MAX + 64], err[512], want[2 * PATH_MAX];
    struct config c;
    /* tmp/pyproject.toml has a table; tmp/a has .git and an empty table;
     * tmp/a/b is where we run: the search stops at tmp/a. */
    snprintf(path, sizeof(path), "%s/pyproject.toml", tmp);
    write_file(path, "[tool.fixingahole]\nroot = \"above\"\n");
    snprintf(sub, sizeof(sub), "%s/a", tmp);
    mkdir(sub, 0700);
    snprintf(path, sizeof(path), "%s/a/.git", tmp);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/a/pyproject.toml", tmp);
    write_file(path, "[tool.fixingahole]\n");
    snprintf(sub, sizeof(sub), "%s/a/b", tmp);
    mkdir(sub, 0700);
    CHECK_EQ_INT(config_load(&c, sub, err, sizeof(err)), 0);
    CHECK_EQ_STR(c.root, sub);
    CHECK_EQ_STR(c.source, "");
    config_free(&c);
    /* Without .git the table above is found. */
    snprintf(path, sizeof(path), "%s/a/.git", tmp);
    rmdir(path);
    CHECK_EQ_INT(config_load(&c, sub, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/above", tmp);
    CHECK_EQ_STR(c.root, want);
    snprintf(want, sizeof(want), "%s/above/performance", tmp);
    CHECK_EQ_STR(c.output, want);
    config_free(&c);
    setenv("FIXINGAHOLE_ROOT", "r", 1);
    setenv("FIXINGAHOLE_OUTPUT", "/o/x/../y", 1);
    setenv("FIXINGAHOLE_IGNORE", "i1, i2", 1);
    CHECK_EQ_INT(config_load(&c, sub, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/r", sub);
    CHECK_EQ_STR(c.root, want);
    CHECK_EQ_STR(c.output, "/o/y");
    CHECK_EQ_INT(c.nignore, 2);
    snprintf(want, sizeof(want), "%s/i2", sub);
    CHECK(c.nignore == 2 && strcmp(c.ignore[1], want) == 0);
    config_free(&c);
    unsetenv("FIXINGAHOLE_ROOT");
    unsetenv("FIXINGAHOLE_OUTPUT");
    unsetenv("FIXINGAHOLE_IGNORE");
}

int main(void)
{
    char templ[] = "/tmp/fah-test-config-XXXXXX";
    if (!mkdtemp(templ) || !realpath(templ, tmp))
        return 1;
    test_scanner();
    test_strings();
    test_file();
    test_errors();
    test_search_and_env();
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return test_finish("test_config");
}
