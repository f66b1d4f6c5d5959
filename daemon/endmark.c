/* Reading the script's end mark (see endmark.h). The daemon may run as root
 * for many users: the file is opened without following links and must
 * belong to the user who asked, so that no one can make the daemon read
 * (and relay a number from) a file they could not read themselves. */
#include "daemon/endmark.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* A mark is at most 20 digits and a newline. */
#define ENDMARK_MAX_BYTES 32

int endmark_read(const char *path, uid_t uid, uint64_t *ns)
{
    char text[ENDMARK_MAX_BYTES + 1];
    struct stat st;
    int rc = 0;

    if (!path || !*path)
        return -ENOENT;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ELOOP ? -EPERM : -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uid != 0 && st.st_uid != uid)) {
        rc = -EPERM;
        goto out;
    }
    ssize_t n = read(fd, text, ENDMARK_MAX_BYTES);
    if (n <= 0) {
        rc = n < 0 ? -errno : -ENOENT; /* created, not written yet */
        goto out;
    }
    text[n] = '\0';
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text || (*end != '\n' && *end != '\0') || value == 0)
        rc = -EINVAL;
    else
        *ns = (uint64_t)value;
out:
    close(fd);
    return rc;
}
