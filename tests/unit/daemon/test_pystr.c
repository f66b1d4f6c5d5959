/* Remote str objects to UTF-8: every compact kind, non-ASCII names, and the
 * strings a torn read or a wrong pointer would produce. */
#include <errno.h>
#include <string.h>

#include "daemon/fakemem.h"
#include "daemon/pystr.h"
#include "harness.h"

static void layout(struct py_offsets *o, int new_header)
{
    memset(o, 0xff, sizeof(*o));
    o->unicode.length = 16;
    o->unicode.state = 32;
    o->unicode.ascii_size = new_header ? 40 : 48; /* 3.12 dropped wstr */
    o->unicode.compact_size = new_header ? 56 : 72;
}

static char buf[PYSTR_MAX_UTF8];

static void roundtrip(struct fake_mem *m, struct rmem *mem, const struct py_offsets *o,
                      const char *text)
{
    uint64_t s = fake_str(m, o, text);
    CHECK_EQ_INT(pystr_read(mem, o, s, buf, sizeof(buf)), (long long)strlen(text));
    CHECK_EQ_STR(buf, text);
}

static void test_kinds(int new_header)
{
    struct fake_mem m;
    struct py_offsets o;
    struct rmem mem;

    fake_init(&m);
    mem = fake_ops(&m);
    layout(&o, new_header);
    roundtrip(&m, &mem, &o, "");
    roundtrip(&m, &mem, &o, "main");
    roundtrip(&m, &mem, &o, "/usr/lib/python3.11/threading.py");
    roundtrip(&m, &mem, &o, "données");           /* kind 1, Latin-1 */
    roundtrip(&m, &mem, &o, "ÿ");                 /* U+00FF, top of kind 1 */
    roundtrip(&m, &mem, &o, "日本語の関数");      /* kind 2 */
    roundtrip(&m, &mem, &o, "Ω€\xef\xbf\xbf");   /* up to U+FFFF */
    roundtrip(&m, &mem, &o, "🐍");                /* kind 4 */
    roundtrip(&m, &mem, &o, "a🐍é日\xf4\x8f\xbf\xbf"); /* mixed, U+10FFFF */

    /* Longer than one conversion chunk. */
    static char big[PYSTR_MAX_CHARS * 2 + 1];
    for (size_t i = 0; i < PYSTR_MAX_CHARS; i++)
        memcpy(big + 2 * i, "é", 2);
    big[(size_t)PYSTR_MAX_CHARS * 2] = '\0';
    roundtrip(&m, &mem, &o, big);
    fake_fini(&m);
}

static void test_bad(void)
{
    struct fake_mem m;
    struct py_offsets o;
    struct rmem mem;
    uint32_t cps[3] = {'a', 0xe9, 'b'};
    uint64_t s;

    fake_init(&m);
    mem = fake_ops(&m);
    layout(&o, 1);

    /* Absurd and negative lengths. */
    s = fake_str_raw(&m, &o, cps, 3, 1, fake_state(1, 0), PYSTR_MAX_CHARS + 1);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EBADMSG);
    s = fake_str_raw(&m, &o, cps, 3, 1, fake_state(1, 0), -1);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EBADMSG);
    /* Length within bounds but data running off the mapping. */
    s = fake_str_raw(&m, &o, cps, 3, 1, fake_state(1, 0), 4000);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EFAULT);
    CHECK_EQ_STR(buf, "");
    /* Not compact, impossible kinds, an ASCII str with a non-ASCII byte. */
    s = fake_str_raw(&m, &o, cps, 3, 1, 1u << PYUNICODE_KIND_SHIFT, 3);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -ENOTSUP);
    s = fake_str_raw(&m, &o, cps, 3, 1, fake_state(3, 0), 3);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EILSEQ);
    s = fake_str_raw(&m, &o, cps, 3, 1, fake_state(0, 0), 3);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EILSEQ);
    s = fake_str_raw(&m, &o, cps, 3, 2, fake_state(2, 1), 3);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EILSEQ);
    s = fake_str_raw(&m, &o, cps, 3, 1, fake_state(1, 1), 3);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EILSEQ);
    /* Code points beyond Unicode, and NUL. */
    uint32_t beyond[2] = {'x', 0x110000};
    s = fake_str_raw(&m, &o, beyond, 2, 4, fake_state(4, 0), 2);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EILSEQ);
    uint32_t nul[2] = {'x', 0};
    s = fake_str_raw(&m, &o, nul, 2, 1, fake_state(1, 1), 2);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EILSEQ);
    /* A lone surrogate, as surrogateescape leaves in file names. */
    uint32_t sur[3] = {'f', 0xdcff, 'g'};
    s = fake_str_raw(&m, &o, sur, 3, 2, fake_state(2, 0), 3);
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), 5);
    CHECK_EQ_STR(buf, "f\xef\xbf\xbdg");
    /* Unreadable header; output that does not fit. */
    CHECK_EQ_INT(pystr_read(&mem, &o, 0x20, buf, sizeof(buf)), -EFAULT);
    s = fake_str(&m, &o, "données");
    char small[8];
    CHECK_EQ_INT(pystr_read(&mem, &o, s, small, sizeof(small)), -ENOSPC);
    CHECK_EQ_STR(small, "");
    CHECK_EQ_INT(pystr_read(&mem, &o, s, small, 0), -ENOSPC);
    char fits[9];
    CHECK_EQ_INT(pystr_read(&mem, &o, s, fits, sizeof(fits)), 8);
    /* Offsets that make no sense. */
    o.unicode.state = PYOFF_ABSENT;
    CHECK_EQ_INT(pystr_read(&mem, &o, s, buf, sizeof(buf)), -EINVAL);
    fake_fini(&m);
}

int main(void)
{
    test_kinds(0);
    test_kinds(1);
    test_bad();
    return test_finish("test_pystr");
}
