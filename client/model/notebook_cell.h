/* Code of a notebook cell as profiles name it: the converter
 * (client/run/notebook.h) compiles cell N of /a/b.ipynb under the file name
 * "/a/b.ipynb [cell N]", and reports print such names with their own line
 * separator and read the cell's text back from the notebook. */
#ifndef FAH_CLIENT_NOTEBOOK_CELL_H
#define FAH_CLIENT_NOTEBOOK_CELL_H

#include <cJSON.h>

/* Notebooks beyond this are refused rather than read into memory. */
#define NOTEBOOK_CELL_MAX_BYTES (256u << 20)

/* How reports join a file and a line: " line " after a notebook cell
 * ("analysis.ipynb [cell 3] line 2"), ":" otherwise ("run.py:2"). */
const char *notebook_cell_line_sep(const char *file);

/* The text of cell N of the notebook a cell name ("/a/b.ipynb [cell N]")
 * refers to, read from the notebook; malloc'd, or NULL when file is not a
 * cell name or the notebook cannot be read. */
char *notebook_cell_text(const char *file);

/* A cell's "source" (nbformat 4: a string or an array of strings), joined;
 * malloc'd, or NULL when it is neither or out of memory. */
char *notebook_cell_source(const cJSON *cell);

#endif
