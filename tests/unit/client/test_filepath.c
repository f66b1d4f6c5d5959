/* A code object's file as reports show it: an absolute path's empty, "."
 * and ".." components collapse by the text; a relative path or a pseudo
 * file stays; the collapsed path replaces the original only when both
 * name the same file (a symbolic link followed by ".." may not) or the
 * original names none; profile_set_code keeps the tidy form. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/model/filepath.h"
#include "client/model/profile.h"
#include "common/path_collapse.h"
#include "harness.h"

static void check_collapse(const char *path, const char *want, int changed)
{
    char out[256];
    CHECK_EQ_INT(path_collapse(path, out, sizeof(out)), changed);
    CHECK_EQ_STR(out, want);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
}

/* dir/real/sub, dir/link -> real/sub; dir/real/x.py and dir/x.py differ. */
static void check_tidy(void)
{
    char dir[] = "/tmp/fah-filepath-XXXXXX", path[PATH_MAX], want[PATH_MAX];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/real", dir);
    CHECK_EQ_INT(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/real/sub", dir);
    CHECK_EQ_INT(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/link", dir);
    CHECK_EQ_INT(symlink("real/sub", path), 0);
    snprintf(path, sizeof(path), "%s/real/x.py", dir);
    touch(path);
    snprintf(path, sizeof(path), "%s/x.py", dir);
    touch(path);

    snprintf(path, sizeof(path), "%s/real/sub/../x.py", dir);
    snprintf(want, sizeof(want), "%s/real/x.py", dir);
    char *tidy = filepath_tidy(path);
    CHECK_EQ_STR(tidy, want);
    free(tidy);
    /* link/.. is real/, not dir/: the text alone would name dir/x.py */
    snprintf(path, sizeof(path), "%s/link/../x.py", dir);
    CHECK(filepath_tidy(path) == NULL);
    tidy = filepath_tidy("/no/such/dir/../file.py");
    CHECK_EQ_STR(tidy, "/no/such/file.py");
    free(tidy);
    CHECK(filepath_tidy("/usr/lib/python3/os.py") == NULL); /* nothing to collapse */

    struct profile *p = profile_new();
    CHECK(p != NULL);
    if (p) {
        snprintf(path, sizeof(path), "%s/real/sub/../x.py", dir);
        CHECK_EQ_INT(profile_set_code(p, 0, path, "f", 1), 0);
        CHECK_EQ_STR(p->codes[0].file, want);
        CHECK_EQ_INT(profile_set_code(p, 1, "<frozen importlib._bootstrap>", "g", 1), 0);
        CHECK_EQ_STR(p->codes[1].file, "<frozen importlib._bootstrap>");
        profile_free(p);
    }
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
}

int main(void)
{
    check_collapse("/usr/share/sphinx/themes/basic/../basic/layout.html",
                   "/usr/share/sphinx/themes/basic/layout.html", 1);
    check_collapse("/a//b/./c.py", "/a/b/c.py", 1);
    check_collapse("/a/b/../../../c.py", "/c.py", 1);
    check_collapse("/..", "/", 1);
    check_collapse("/a/b/", "/a/b", 1);
    check_collapse("/a/b.py", "/a/b.py", 0);
    check_collapse("a/../b.py", "a/../b.py", 0); /* relative: as given */
    check_collapse("<string>", "<string>", 0);
    char small[4];
    CHECK_EQ_INT(path_collapse("/a/../b.py", small, sizeof(small)), 0);
    check_tidy();
    return test_finish("test_filepath");
}
