/* export_pprof: the gzipped message decodes (zlib, then protobuf-c) into
 * the profile it came from: each sample type's total equals the stacks'
 * time in nanoseconds, functions are keyed like profile.json's, one
 * location per (function, line), leaf first, thread labels, the optional
 * idle and allocation types, and the timing fields. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "client/export/pprof.h"
#include "client/fixture.h"
#include "harness.h"
#include "pprof.pb-c.h"

#define ROOT "/proj"

typedef Perftools__Profiles__Profile Profile;

/* gunzips buf[0..len) into a new buffer; NULL on any error. */
static unsigned char *gunzip(const unsigned char *buf, size_t len, size_t *out_len)
{
    size_t cap = 1 << 16;
    unsigned char *out = malloc(cap);
    z_stream z = {.next_in = (unsigned char *)buf, .avail_in = (uInt)len};
    if (!out || inflateInit2(&z, 15 + 16) != Z_OK)
        return free(out), NULL;
    int rc = Z_OK;
    while (rc == Z_OK) {
        if (z.total_out == cap && !(out = realloc(out, cap *= 2)))
            break;
        z.next_out = out + z.total_out;
        z.avail_out = (uInt)(cap - z.total_out);
        rc = inflate(&z, Z_NO_FLUSH);
    }
    *out_len = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END)
        return free(out), NULL;
    return out;
}

/* export_pprof(p) decoded back; NULL (with a failed check) on error. */
static Profile *round_trip(const struct profile *p)
{
    char *buf = NULL, err[256] = "";
    size_t len = 0, raw_len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = export_pprof(p, f, err, sizeof(err));
    fclose(f);
    CHECK_EQ_INT(rc, 0);
    CHECK(len > 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b);
    unsigned char *raw = gunzip((unsigned char *)buf, len, &raw_len);
    CHECK(raw != NULL);
    Profile *m = raw ? perftools__profiles__profile__unpack(NULL, raw_len, raw) : NULL;
    CHECK(m != NULL);
    free(raw);
    free(buf);
    return m;
}

static const char *str(const Profile *m, int64_t index)
{
    return index >= 0 && (size_t)index < m->n_string_table ? m->string_table[index] : NULL;
}

/* The column of sample type `type`, or -1. */
static int column(const Profile *m, const char *type)
{
    for (size_t k = 0; k < m->n_sample_type; k++)
        if (strcmp(str(m, m->sample_type[k]->type), type) == 0)
            return (int)k;
    return -1;
}

static int64_t total(const Profile *m, const char *type)
{
    int c = column(m, type);
    int64_t sum = 0;
    for (size_t i = 0; c >= 0 && i < m->n_sample; i++)
        sum += m->sample[i]->value[c];
    return c >= 0 ? sum : -1;
}

static const Perftools__Profiles__Location *location(const Profile *m, uint64_t id)
{
    for (size_t k = 0; k < m->n_location; k++)
        if (m->location[k]->id == id)
            return m->location[k];
    return NULL;
}

static const Perftools__Profiles__Function *function(const Profile *m, uint64_t id)
{
    for (size_t k = 0; k < m->n_function; k++)
        if (m->function[k]->id == id)
            return m->function[k];
    return NULL;
}

/* "qualname:line" of a location, into buf. */
static const char *where(const Profile *m, uint64_t id, char *buf, size_t len)
{
    const Perftools__Profiles__Location *l = location(m, id);
    const Perftools__Profiles__Function *fn =
        l && l->n_line == 1 ? function(m, l->line[0]->function_id) : NULL;
    snprintf(buf, len, "%s:%lld", fn ? str(m, fn->name) : "?",
             l && l->n_line == 1 ? (long long)l->line[0]->line : -1LL);
    return buf;
}

#define NS 1000000000LL

/* The fixture's seconds (fixture.h): python 0.2*2 + 0.5 + 0.1 + 0.3,
 * native 0.3*2 + 0.4, system 0.1 + 0.2, idle 1.0 + 0.5; 8 samples. */
static void test_types_totals_and_timing(void)
{
    struct profile *p = fx_profile(ROOT);
    p->rate_hz = 100;
    p->wall_seconds = 3.25;
    Profile *m = round_trip(p);
    if (!m)
        return profile_free(p);
    static const char *const types[][2] = {{"samples", "count"},
                                           {"time", "nanoseconds"},
                                           {"python", "nanoseconds"},
                                           {"native", "nanoseconds"},
                                           {"system", "nanoseconds"}};
    CHECK_EQ_INT(m->n_sample_type, 5);
    for (size_t k = 0; k < m->n_sample_type && k < 5; k++) {
        CHECK_EQ_STR(str(m, m->sample_type[k]->type), types[k][0]);
        CHECK_EQ_STR(str(m, m->sample_type[k]->unit), types[k][1]);
    }
    CHECK_EQ_STR(str(m, 0), "");
    CHECK_EQ_INT(total(m, "samples"), 8);
    CHECK_EQ_INT(total(m, "python"), 13 * NS / 10);
    CHECK_EQ_INT(total(m, "native"), 1 * NS);
    CHECK_EQ_INT(total(m, "system"), 3 * NS / 10);
    CHECK_EQ_INT(total(m, "time"), 26 * NS / 10);
    CHECK_EQ_STR(str(m, m->default_sample_type), "time");
    CHECK(m->period_type && m->period_type->type == m->default_sample_type);
    CHECK_EQ_INT(m->period, NS / 100);
    CHECK_EQ_INT(m->duration_nanos, 325 * NS / 100);
    perftools__profiles__profile__free_unpacked(m, NULL);
    profile_free(p);
}

static size_t count_functions(const Profile *m, const char *name)
{
    size_t n = 0;
    for (size_t k = 0; k < m->n_function; k++)
        n += strcmp(str(m, m->function[k]->name), name) == 0;
    return n;
}

/* The sample whose leaf is at `leaf` ("qualname:line"), or NULL. */
static const Perftools__Profiles__Sample *sample_at(const Profile *m, const char *leaf)
{
    char buf[128];
    for (size_t i = 0; i < m->n_sample; i++)
        if (m->sample[i]->n_location_id &&
            strcmp(where(m, m->sample[i]->location_id[0], buf, sizeof(buf)), leaf) == 0)
            return m->sample[i];
    return NULL;
}

static void test_functions_and_locations(void)
{
    struct profile *p = fx_profile(ROOT);
    Profile *m = round_trip(p);
    if (!m)
        return profile_free(p);
    /* heavy's two code objects are one function, as in profile.json. */
    CHECK_EQ_INT(m->n_function, 7);
    CHECK_EQ_INT(count_functions(m, "heavy"), 1);
    for (size_t k = 0; k < m->n_function; k++) {
        const Perftools__Profiles__Function *fn = m->function[k];
        if (strcmp(str(m, fn->name), "Helper.work") == 0) {
            CHECK_EQ_STR(str(m, fn->filename), ROOT "/pkg/util.py");
            CHECK_EQ_INT(fn->start_line, 3);
        }
    }
    /* 15 distinct (function, line) pairs in the fixture's stacks. */
    CHECK_EQ_INT(m->n_location, 15);
    for (size_t k = 0; k < m->n_location; k++) {
        CHECK_EQ_INT(m->location[k]->n_line, 1);
        for (size_t j = 0; j < k; j++)
            CHECK(m->location[j]->line[0]->function_id != m->location[k]->line[0]->function_id ||
                  m->location[j]->line[0]->line != m->location[k]->line[0]->line);
    }
    const Perftools__Profiles__Sample *s = sample_at(m, "heavy:21");
    char buf[128];
    CHECK(s != NULL && s->n_location_id == 3);
    if (s && s->n_location_id == 3) {
        CHECK_EQ_STR(where(m, s->location_id[1], buf, sizeof(buf)), "main:12");
        CHECK_EQ_STR(where(m, s->location_id[2], buf, sizeof(buf)), "<module>:30");
        CHECK_EQ_INT(s->value[column(m, "python")], 5 * NS / 10);
    }
    /* The second code object of heavy, called from heavy: one function. */
    s = sample_at(m, "heavy:23");
    CHECK(s != NULL && s->n_location_id == 4 &&
          strcmp(where(m, s->location_id[1], buf, sizeof(buf)), "heavy:25") == 0);
    if (s && s->n_location_id == 4)
        CHECK(location(m, s->location_id[0])->line[0]->function_id ==
              location(m, s->location_id[1])->line[0]->function_id);
    perftools__profiles__profile__free_unpacked(m, NULL);
    profile_free(p);
}

/* The label `key` of s: its string (or its number as text), or NULL. */
static const char *label(const Profile *m, const Perftools__Profiles__Sample *s,
                         const char *key, char *buf, size_t len)
{
    for (size_t k = 0; k < s->n_label; k++) {
        if (strcmp(str(m, s->label[k]->key), key) != 0)
            continue;
        if (s->label[k]->str)
            return str(m, s->label[k]->str);
        snprintf(buf, len, "%lld", (long long)s->label[k]->num);
        return buf;
    }
    return NULL;
}

static void test_thread_labels(void)
{
    struct profile *p = fx_profile(ROOT);
    double secs[TIME_KINDS] = {0.25, 0, 0, 0};
    FX_STACK(p, 4, secs, {FX_MAIN, 16}); /* a thread without a name */
    Profile *m = round_trip(p);
    if (!m)
        return profile_free(p);
    char buf[32];
    const Perftools__Profiles__Sample *s = sample_at(m, "heavy:21");
    CHECK(s && label(m, s, "thread", buf, sizeof(buf)) &&
          strcmp(label(m, s, "thread", buf, sizeof(buf)), "MainThread") == 0);
    CHECK(s && label(m, s, "thread_id", buf, sizeof(buf)) &&
          strcmp(label(m, s, "thread_id", buf, sizeof(buf)), "1") == 0);
    s = sample_at(m, "_find_and_load:100");
    CHECK(s && label(m, s, "thread", buf, sizeof(buf)) &&
          strcmp(label(m, s, "thread", buf, sizeof(buf)), "loader") == 0);
    s = sample_at(m, "main:16");
    CHECK(s && !label(m, s, "thread", buf, sizeof(buf)) && label(m, s, "thread_id", buf, 32) &&
          strcmp(label(m, s, "thread_id", buf, sizeof(buf)), "4") == 0);
    perftools__profiles__profile__free_unpacked(m, NULL);
    profile_free(p);
}

/* A stack the daemon could not read has no frames; a frame whose code was
 * never described still has its line. */
static void test_frameless_and_unknown_code(void)
{
    struct profile *p = fx_profile(ROOT);
    double secs[TIME_KINDS] = {0, 0.125, 0, 0};
    profile_add_sample(p, 1, NULL, 0, secs);
    profile_add_stack(p, 1, NULL, 0, 3, 2, secs); /* the interpreter's start-up */
    FX_STACK(p, 1, secs, {99, 7}, {FX_MAIN, 12});
    Profile *m = round_trip(p);
    if (!m)
        return profile_free(p);
    const Perftools__Profiles__Sample *s = sample_at(m, "<unattributed>:0");
    CHECK(s && s->n_location_id == 1 && s->value[column(m, "native")] == NS / 8);
    s = sample_at(m, "<unattributed: interpreter start-up>:0");
    CHECK(s && s->n_location_id == 1 && s->value[column(m, "native")] == NS / 8);
    s = sample_at(m, "<unknown code>:7");
    CHECK(s && s->n_location_id == 2);
    CHECK_EQ_INT(total(m, "native"), 1 * NS + 3 * NS / 8);
    perftools__profiles__profile__free_unpacked(m, NULL);
    profile_free(p);
}

/* --idle adds the idle type (and idle counts in "time"); --memory adds
 * the allocated bytes up to the script's end, releases and copies aside,
 * including stacks seen only by the heap sampler. */
static void test_idle_and_allocations(void)
{
    struct profile *p = fx_profile(ROOT);
    p->include_idle = 1;
    p->memory.window = 1 << 20;
    p->memory.script_end = 0.5;
    const struct profile_frame grow[] = {{FX_HEAVY, 40}, {FX_MAIN, 12}};
    profile_mem_heap(p, 0.1, 1, grow, 2, 1 << 20, 0x1000, 0, 0);
    profile_mem_heap(p, 0.2, 1, grow, 2, 2 << 20, 0x2000, 1, 0);
    profile_mem_free_block(p, 0.3, 0x1000);
    profile_mem_heap(p, 0.4, 1, grow, 2, 8 << 20, 0, 0, 1);       /* a copy */
    profile_mem_heap(p, 0.9, 1, grow, 2, 4 << 20, 0x3000, 0, 0); /* after the end */
    Profile *m = round_trip(p);
    if (!m)
        return profile_free(p);
    CHECK_EQ_INT(m->n_sample_type, 7);
    CHECK_EQ_INT(column(m, "idle"), 5);
    CHECK_EQ_INT(column(m, "alloc_space"), 6);
    CHECK_EQ_STR(str(m, m->sample_type[6]->unit), "bytes");
    CHECK_EQ_INT(total(m, "idle"), 15 * NS / 10);
    CHECK_EQ_INT(total(m, "time"), 41 * NS / 10);
    CHECK_EQ_INT(total(m, "alloc_space"), 3 << 20);
    const Perftools__Profiles__Sample *s = sample_at(m, "heavy:40");
    CHECK(s && s->value[column(m, "samples")] == 0 && s->value[column(m, "time")] == 0 &&
          s->value[6] == 3 << 20);
    perftools__profiles__profile__free_unpacked(m, NULL);
    profile_free(p);
}

/* A run that saw nothing still makes a readable profile. */
static void test_empty_profile(void)
{
    struct profile *p = profile_new();
    Profile *m = round_trip(p);
    if (!m)
        return profile_free(p);
    CHECK_EQ_INT(m->n_sample, 0);
    CHECK_EQ_INT(m->n_sample_type, 5);
    CHECK_EQ_INT(m->period, 0);
    perftools__profiles__profile__free_unpacked(m, NULL);
    profile_free(p);
}

int main(void)
{
    test_types_totals_and_timing();
    test_functions_and_locations();
    test_thread_labels();
    test_frameless_and_unknown_code();
    test_idle_and_allocations();
    test_empty_profile();
    return test_finish("test_pprof");
}
