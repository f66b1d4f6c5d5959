/* Reading the script's start and end marks (see endmark.h). The daemon may run as root
 * for many users: the file is opened without following links and must
 * belong to the user who asked, so that no one can make the daemon read
 * (and relay a number from) a file they could not read themselves. */
#include "daemon/endmark.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Two marks of at most 20 digits, a space and a newline. */
#define ENDMARK_MAX_BYTES 48

/* Parses one positive decimal at *text, moving past it. */
static int parse_mark(const char **text, uint64_t *ns)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(*text, &end, 10);
    if (errno || end == *text || value == 0 || **text < '0' || **text > '9')
        return -EINVAL;
    *ns = (uint64_t)value;
    *text = end;
    return 0;
}

static int parse_marks(const char *text, struct script_marks *out)
{
    struct script_marks m = {0, 0};
    if (parse_mark(&text, &m.start_ns) < 0)
        return -EINVAL;
    if (*text == ' ' && (text++, parse_mark(&text, &m.end_ns) < 0 || m.end_ns < m.start_ns))
        return -EINVAL;
    if (*text != '\n' && *text != '\0')
        return -EINVAL;
    *out = m;
    return 0;
}

int endmark_read(const char *path, uid_t uid, struct script_marks *out)
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
    rc = parse_marks(text, out);
out:
    close(fd);
    return rc;
}
