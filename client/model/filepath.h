/* A code object's file as reports show it. CPython keeps co_filename as
 * the path it was given: a Jinja2 template compiled from
 * ".../themes/basic/../basic/layout.html" kept the "..", and the module
 * tree of the summary then had a directory named "..". */
#ifndef FAH_CLIENT_MODEL_FILEPATH_H
#define FAH_CLIENT_MODEL_FILEPATH_H

/* The collapsed path (common/path_collapse.h), a new string, when it names the same file as path,
 * or when path names no file here (a profile.json from elsewhere: the text
 * is all there is); NULL when path is to stay as it is, or out of memory.
 * A symbolic link followed by ".." is where the two can differ. */
char *filepath_tidy(const char *path);

#endif
