/* A code object's file as reports show it (see filepath.h). */
#include "client/model/filepath.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/path_collapse.h"

char *filepath_tidy(const char *path)
{
    char collapsed[PATH_MAX];
    if (!path_collapse(path, collapsed, sizeof(collapsed)))
        return NULL;
    struct stat was, now;
    if (stat(path, &was) == 0 &&
        (stat(collapsed, &now) != 0 || was.st_dev != now.st_dev || was.st_ino != now.st_ino))
        return NULL;
    return strdup(collapsed);
}
