/* notebook.c: code cells in order with their notebook numbers, markdown
 * skipped, magics and !shell lines turned into calls on the same line,
 * %% cell magics set apart, and one-line errors for broken notebooks. */
#include <cJSON.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "client/run/notebook.h"

static char dir[PATH_MAX];

static void test_cell_python(void)
{
    int magic;
    char *py = notebook_cell_python("import os\n%matplotlib inline\n!echo hi\n"
                                    "if True:\n    !ls \"x\"\nfiles = !ls\nx = 1 % 2\n"
                                    "y = (1,\n%2)\n",
                                    3, &magic);
    CHECK(!magic);
    CHECK_EQ_STR(py, "import os\n"
                     "__fah_magic__(3, 2, \"%matplotlib inline\")\n"
                     "__fah_magic__(3, 3, \"!echo hi\")\n"
                     "if True:\n"
                     "    __fah_magic__(3, 5, \"!ls \\\"x\\\"\")\n"
                     "files = __fah_magic__(3, 6, \"!ls\", True)\n"
                     "x = 1 % 2\n"
                     "y = (1,\n"
                     "%2)\n");
    free(py);
    /* A backslash continuation is not a statement start. */
    py = notebook_cell_python("x = 1 \\\n%2\n", 1, &magic);
    CHECK_EQ_STR(py, "x = 1 \\\n%2\n");
    free(py);
    py = notebook_cell_python("\n%%time\nx = 1\n", 4, &magic);
    CHECK(magic);
    free(py);
    py = notebook_cell_python("a == !b\r\nok\r\n", 1, &magic);
    CHECK_EQ_STR(py, "a == !b\r\nok\r\n");
    free(py);
    /* Inside strings and brackets nothing is a magic; after them it is. */
    py = notebook_cell_python("s = \"\"\"\n!not a shell line\n%not a magic\n\"\"\"\n"
                              "t = '(' # ( in a comment\n!ls\n"
                              "u = [1, '\\'',\n%3]\n%who\n", 2, &magic);
    CHECK_EQ_STR(py, "s = \"\"\"\n!not a shell line\n%not a magic\n\"\"\"\n"
                     "t = '(' # ( in a comment\n__fah_magic__(2, 6, \"!ls\")\n"
                     "u = [1, '\\'',\n%3]\n__fah_magic__(2, 9, \"%who\")\n");
    free(py);
}

/* Converts text and returns the cells document (cJSON) or NULL with err. */
static cJSON *convert(const char *text, char *err, size_t errlen)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/analysis.ipynb", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    int rc = notebook_convert(path, mem, err, errlen);
    fclose(mem);
    cJSON *doc = rc == 0 ? cJSON_Parse(out) : NULL;
    free(out);
    return doc;
}

static void test_convert(void)
{
    char err[512];
    cJSON *doc = convert("{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {},\n"
                         " \"cells\": [\n"
                         "  {\"cell_type\": \"markdown\", \"source\": [\"# Title\"]},\n"
                         "  {\"cell_type\": \"code\", \"source\": [\"%matplotlib inline\\n\", "
                         "\"x = 1\\n\"]},\n"
                         "  {\"cell_type\": \"raw\", \"source\": \"raw\"},\n"
                         "  {\"cell_type\": \"code\", \"source\": \"print(x)\"},\n"
                         "  {\"cell_type\": \"code\", \"source\": \"%%bash\\necho hi\\n\"}]}",
                         err, sizeof(err));
    CHECK(doc != NULL);
    const cJSON *cells = cJSON_GetObjectItem(doc, "cells");
    CHECK_EQ_INT(cJSON_GetArraySize(cells), 3);
    const cJSON *c0 = cJSON_GetArrayItem(cells, 0), *c1 = cJSON_GetArrayItem(cells, 1),
                *c2 = cJSON_GetArrayItem(cells, 2);
    CHECK_EQ_INT(cJSON_GetObjectItem(c0, "cell")->valueint, 2);
    CHECK_EQ_STR(cJSON_GetObjectItem(c0, "source")->valuestring,
                 "__fah_magic__(2, 1, \"%matplotlib inline\")\nx = 1\n");
    CHECK_EQ_INT(cJSON_GetObjectItem(c1, "cell")->valueint, 4);
    CHECK_EQ_STR(cJSON_GetObjectItem(c1, "source")->valuestring, "print(x)");
    CHECK_EQ_INT(cJSON_GetObjectItem(c2, "cell")->valueint, 5);
    CHECK_EQ_STR(cJSON_GetObjectItem(c2, "cell_magic")->valuestring, "%%bash");
    CHECK_EQ_STR(cJSON_GetObjectItem(c2, "body")->valuestring, "echo hi\n");
    cJSON_Delete(doc);
}

static void check_error(const char *text, const char *expect)
{
    char err[512] = "";
    cJSON *doc = convert(text, err, sizeof(err));
    CHECK(doc == NULL);
    cJSON_Delete(doc);
    if (!strstr(err, expect) || strchr(err, '\n') || strncmp(err, "analysis.ipynb: ", 16)) {
        fprintf(stderr, "error was '%s', expected one line containing '%s'\n", err, expect);
        CHECK(0);
    }
}

static void test_errors(void)
{
    check_error("{\"nbformat\": 4, \"cells\": [\n{\"cell_type\": \"code\",,}]}",
                "not valid JSON (near line 2)");
    check_error("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"markdown\", \"source\": \"x\"}]}",
                "no code cells");
    check_error("{\"nbformat\": 3, \"worksheets\": []}", "nbformat 3 is not supported");
    check_error("[1, 2]", "not a notebook");
    check_error("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": 7}]}",
                "cell 1: \"source\" is not text");
}

int main(void)
{
    char templ[] = "/tmp/fah-test-notebook-XXXXXX";
    if (!mkdtemp(templ))
        return 1;
    snprintf(dir, sizeof(dir), "%s", templ);
    CHECK(notebook_is_notebook("a/b.ipynb"));
    CHECK(!notebook_is_notebook("b.py"));
    test_cell_python();
    test_convert();
    test_errors();
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/analysis.ipynb", dir);
    unlink(path);
    rmdir(dir);
    return test_finish("test_notebook");
}
