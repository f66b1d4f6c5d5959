/* readfile_all returns a file whole and NUL-terminated, and refuses files
 * past the caller's bound and files that are not there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/readfile.h"
#include "harness.h"

static void write_file(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < n; i++)
        fputc('a' + (int)(i % 26), f);
    fclose(f);
}

int main(void)
{
    char path[] = "/tmp/fah-readfile-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    char *text;
    size_t len;

    /* Bigger than one read chunk: the buffer has to grow. */
    write_file(path, 200000);
    CHECK_EQ_INT(readfile_all(path, 1 << 20, &text, &len), 0);
    CHECK_EQ_INT(len, 200000);
    CHECK(text && text[0] == 'a' && text[199999] == 'a' + 199999 % 26 && text[len] == '\0');
    free(text);

    CHECK_EQ_INT(readfile_all(path, 100000, &text, &len), -EFBIG);
    CHECK(text == NULL);

    write_file(path, 0);
    CHECK_EQ_INT(readfile_all(path, 10, &text, &len), 0);
    CHECK_EQ_INT(len, 0);
    CHECK(text && text[0] == '\0');
    free(text);

    unlink(path);
    CHECK_EQ_INT(readfile_all(path, 10, &text, &len), -ENOENT);
    return test_finish("test_readfile");
}
