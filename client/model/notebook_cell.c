/* Notebook cell names in profiles (see notebook_cell.h). */
#include "client/model/notebook_cell.h"

#include <stdlib.h>
#include <string.h>

#include "common/readfile.h"

/* Splits "/a/b.ipynb [cell N]" into the notebook's path length and N. */
static int cell_name(const char *file, size_t *pathlen, int *cell)
{
    const char *tag = file ? strstr(file, ".ipynb [cell ") : NULL;
    char *end;
    if (!tag)
        return 0;
    long n = strtol(tag + 13, &end, 10);
    if (n < 1 || n > 1000000 || strcmp(end, "]") != 0)
        return 0;
    *pathlen = (size_t)(tag - file) + 6;
    *cell = (int)n;
    return 1;
}

const char *notebook_cell_line_sep(const char *file)
{
    size_t len;
    int cell;
    return cell_name(file, &len, &cell) ? " line " : ":";
}

char *notebook_cell_text(const char *file)
{
    size_t len;
    int cell;
    if (!cell_name(file, &len, &cell))
        return NULL;
    char *path = strndup(file, len), *text = NULL, *result = NULL;
    size_t tlen = 0;
    if (path)
        readfile_all(path, NOTEBOOK_CELL_MAX_BYTES, &text, &tlen);
    cJSON *doc = text ? cJSON_ParseWithLength(text, tlen) : NULL;
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "cells"), cell - 1);
    if (c)
        result = notebook_cell_source(c);
    cJSON_Delete(doc);
    free(text);
    free(path);
    return result;
}

/* Two passes over the parts: their total length, then the copy. */
char *notebook_cell_source(const cJSON *cell)
{
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(cell, "source");
    if (cJSON_IsString(src))
        return strdup(src->valuestring);
    if (!cJSON_IsArray(src))
        return NULL;
    const cJSON *part;
    size_t total = 0;
    cJSON_ArrayForEach(part, src) {
        if (!cJSON_IsString(part))
            return NULL;
        total += strlen(part->valuestring);
    }
    char *joined = malloc(total + 1), *at = joined;
    if (!joined)
        return NULL;
    cJSON_ArrayForEach(part, src) {
        size_t n = strlen(part->valuestring);
        memcpy(at, part->valuestring, n);
        at += n;
    }
    *at = '\0';
    return joined;
}
