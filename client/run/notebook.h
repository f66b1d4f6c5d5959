/* Notebooks (.ipynb, nbformat 4): the code cells, in order, become one
 * program that the bootstrap executes cell by cell, each compiled under the
 * name "<notebook> [cell N]" (N counts every cell from 1, markdown
 * included, as a notebook editor shows them), so reports name cells and
 * lines within cells. IPython syntax that is not Python (%magic, !shell,
 * x = !shell, %%cell magics) is turned into calls the bootstrap answers,
 * keeping every line where it was. */
#ifndef FAH_CLIENT_NOTEBOOK_H
#define FAH_CLIENT_NOTEBOOK_H

#include <stddef.h>
#include <stdio.h>

/* 1 when path names a notebook (ends in .ipynb). */
int notebook_is_notebook(const char *path);

/* Reads the notebook at path and writes the cells document for the
 * bootstrap to out: {"cells": [{"cell": N, "source": "...", "original":
 * "the cell as written"} or
 * {"cell": N, "cell_magic": "%%time", "body": "..."}]}. Returns 0, or a
 * negative errno code with a one-line reason in err ("analysis.ipynb: not
 * valid JSON near line 3", "...: no code cells", "...: nbformat 3 is not
 * supported (only 4)"). */
int notebook_convert(const char *path, FILE *out, char *err, size_t errlen);

/* The Python text of one code cell: magic and shell lines become
 * __fah_magic__(cell, line, "text"[, True]) calls at the same indentation.
 * Returns a malloc'd string, or NULL when out of memory. *cell_magic is set
 * when the cell starts with a %% magic (the text is then returned as is). */
char *notebook_cell_python(const char *source, int cell, int *cell_magic);

#endif
