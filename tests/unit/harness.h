/* A tiny test harness: CHECK records a failure and goes on, so one run
 * reports every broken expectation; main returns test_finish(). */
#ifndef FAH_TEST_HARNESS_H
#define FAH_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_failures;
static int harness_checks;

#define CHECK(cond)                                                            \
    do {                                                                       \
        harness_checks++;                                                      \
        if (!(cond)) {                                                         \
            harness_failures++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(actual, expected)                                         \
    do {                                                                       \
        long long a_ = (long long)(actual), e_ = (long long)(expected);        \
        harness_checks++;                                                      \
        if (a_ != e_) {                                                        \
            harness_failures++;                                                \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__,    \
                    __LINE__, #actual, a_, e_);                                \
        }                                                                      \
    } while (0)

#define CHECK_EQ_STR(actual, expected)                                         \
    do {                                                                       \
        const char *a_ = (actual), *e_ = (expected);                           \
        harness_checks++;                                                      \
        if (!a_ || strcmp(a_, e_) != 0) {                                      \
            harness_failures++;                                                \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n",          \
                    __FILE__, __LINE__, #actual, a_ ? a_ : "(null)", e_);      \
        }                                                                      \
    } while (0)

static inline int test_finish(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, harness_checks, harness_failures);
    return harness_failures ? 1 : 0;
}

#endif
