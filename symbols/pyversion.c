/* Learning an interpreter's version from its file. 3.11+ export Py_Version
 * (`const unsigned long Py_Version = PY_VERSION_HEX`); 3.13+ also start
 * _PyRuntime with _Py_DebugOffsets, whose header holds the version; older
 * builds only say it in their file name and in the PY_VERSION literal. */
#include "symbols/pyversion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/debug_offsets.h"

uint32_t pyver_from_name(const char *path, char *abiflags, size_t flaglen)
{
    const char *p = strrchr(path, '/');
    unsigned long major, minor;
    char *end;
    size_t n = 0;

    p = p ? p + 1 : path;
    abiflags[0] = '\0';
    if (strncmp(p, "lib", 3) == 0)
        p += 3;
    if (strncmp(p, "python", 6) != 0 || !(p[6] >= '0' && p[6] <= '9'))
        return 0;
    major = strtoul(p + 6, &end, 10);
    if (*end != '.' || !(end[1] >= '0' && end[1] <= '9'))
        return 0;
    minor = strtoul(end + 1, &end, 10);
    while (*end >= 'a' && *end <= 'z' && n + 1 < flaglen)
        abiflags[n++] = *end++;
    abiflags[n] = '\0';
    if ((*end != '\0' && *end != '.' && *end != '-') || major > 255 || minor > 255) {
        abiflags[0] = '\0';
        return 0;
    }
    return (uint32_t)(major << 24 | minor << 16);
}

void pyver_format(uint32_t hex, int patch_known, char *buf, size_t len)
{
    static const char *const levels[16] = {[0xA] = "a", [0xB] = "b", [0xC] = "rc"};
    unsigned level = (hex >> 4) & 0xf;

    if (!patch_known)
        snprintf(buf, len, "%u.%u", hex >> 24, (hex >> 16) & 0xff);
    else if (level != 0xF && levels[level])
        snprintf(buf, len, "%u.%u.%u%s%u", hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff,
                 levels[level], hex & 0xf);
    else
        snprintf(buf, len, "%u.%u.%u", hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff);
}

int pyver_supported(uint32_t hex)
{
    unsigned minor = (hex >> 16) & 0xff;
    return (hex >> 24) == 3 && minor >= PYVER_MIN_MINOR && minor <= PYVER_MAX_MINOR;
}

int pyver_newer_than_known(uint32_t hex)
{
    return (hex >> 24) == 3 && ((hex >> 16) & 0xff) > PYVER_MAX_MINOR;
}

void pyver_free_threaded_refusal(uint32_t hex, int patch_known, char *buf, size_t len)
{
    char ver[24];

    pyver_format(hex, patch_known, ver, sizeof(ver));
    /* Py_GIL_DISABLED builds: a larger object header (ob_type at 24, not 8),
     * deferred references tagged differently, per-thread bytecode copies
     * (3.14) and no single GIL holder; the walker reads none of these. */
    snprintf(buf, len,
             "Python %s free-threaded build (%u.%ut) is not supported: its object header, "
             "stack references and per-thread bytecode differ from the default build's",
             ver, hex >> 24, (hex >> 16) & 0xff);
}

int pyver_untested_note(uint32_t hex, char *buf, size_t len)
{
    if (!pyver_newer_than_known(hex)) {
        if (len)
            buf[0] = '\0';
        return 0;
    }
    snprintf(buf, len, "offsets from _Py_DebugOffsets of an untested version %u.%u", hex >> 24,
             (hex >> 16) & 0xff);
    return 1;
}

/* Parses "3.9.18", "3.13.0rc2" or "3.12.1+" of exactly len bytes; 0 if it
 * is not a version of major_minor. */
static uint32_t parse_full_version(const char *s, size_t len, uint32_t major_minor)
{
    char buf[32], *end;
    unsigned long major, minor, micro, serial = 0;
    unsigned level = 0xF;

    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    major = strtoul(buf, &end, 10);
    if (*end != '.')
        return 0;
    minor = strtoul(end + 1, &end, 10);
    if (*end != '.' || !(end[1] >= '0' && end[1] <= '9'))
        return 0;
    micro = strtoul(end + 1, &end, 10);
    if (*end == 'a' || *end == 'b' || (end[0] == 'r' && end[1] == 'c')) {
        level = *end == 'a' ? 0xA : *end == 'b' ? 0xB : 0xC;
        end += level == 0xC ? 2 : 1;
        if (!(*end >= '0' && *end <= '9'))
            return 0;
        serial = strtoul(end, &end, 10);
    }
    if (*end == '+')
        end++;
    if (*end || micro > 255 || serial > 15 || (uint32_t)(major << 24 | minor << 16) != major_minor)
        return 0;
    return (uint32_t)(major << 24 | minor << 16 | micro << 8 | level << 4 | serial);
}

/* Py_GetVersion() formats the PY_VERSION literal ("3.9.18"), so .rodata
 * holds it NUL-terminated; the linker may have merged it into the tail of a
 * longer string (".../Python-3.9.18"). Only a single such string for the
 * minor version the file name gave counts. */
static uint32_t version_from_rodata(struct elfsym *ef, uint32_t major_minor)
{
    const char *data;
    const void *raw;
    size_t size, plen;
    uint32_t found = 0;
    char prefix[16];

    if (elfsym_section(ef, ".rodata", &raw, &size) != 0)
        return 0;
    data = raw;
    plen = (size_t)snprintf(prefix, sizeof(prefix), "%u.%u.", major_minor >> 24,
                            (major_minor >> 16) & 0xff);
    for (const char *p = data; (p = memmem(p, size - (size_t)(p - data), prefix, plen)) != NULL;
         p += plen) {
        const char *nul = memchr(p, '\0', size - (size_t)(p - data));
        uint32_t v;
        if (p > data && ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '.'))
            continue;
        if (!nul || (v = parse_full_version(p, (size_t)(nul - p), major_minor)) == 0)
            continue;
        if (found && found != v)
            return 0;
        found = v;
    }
    return found;
}

static uint32_t version_from_symbol(struct elfsym *ef)
{
    struct elfsym_symbol sym;
    uint8_t raw[8] = {0};
    uint64_t v = 0;
    char err[256];

    if (elfsym_lookup(ef, "Py_Version", &sym) != 0 || sym.size < 4)
        return 0;
    /* unsigned long: 8 bytes on LP64, 4 on 32-bit; native byte order. */
    if (elfsym_read(ef, sym.value, raw, sym.size >= 8 ? 8 : 4, err, sizeof(err)) != 0)
        return 0;
    if (sym.size >= 8) {
        memcpy(&v, raw, 8);
    } else {
        uint32_t v32;
        memcpy(&v32, raw, 4);
        v = v32;
    }
    return (v >> 24) >= 2 && (v >> 24) <= 9 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

void pyver_detect(struct elfsym *ef, const char *name, const struct elfsym_symbol *runtime,
                  struct pyver *out)
{
    uint32_t from_name, from_symbol;
    uint8_t head[24];
    char err[256];

    memset(out, 0, sizeof(*out));
    from_name = pyver_from_name(name, out->abiflags, sizeof(out->abiflags));
    out->free_threaded = strchr(out->abiflags, 't') != NULL;

    /* The _Py_DebugOffsets header (3.13+): version and free_threaded. */
    if (runtime && elfsym_read(ef, runtime->value, head, sizeof(head), err, sizeof(err)) == 0 &&
        dbgoff_peek_version(head, sizeof(head), &out->hex) == 0) {
        uint64_t free_threaded;
        memcpy(&free_threaded, head + 16, sizeof(free_threaded));
        out->free_threaded |= free_threaded != 0;
        out->patch_known = 1;
        out->has_debug_offsets = 1;
    }
    from_symbol = version_from_symbol(ef);
    if (from_symbol) {
        out->hex = from_symbol;
        out->patch_known = 1;
    }
    if (out->hex)
        return;
    out->hex = from_name;
    if (from_name && runtime) {
        uint32_t full = version_from_rodata(ef, from_name);
        if (full) {
            out->hex = full;
            out->patch_known = 1;
        }
    }
}
