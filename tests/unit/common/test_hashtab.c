/* The hash table agrees with a plain array model through growth, heavy
 * collisions and deletions in the middle of probe runs (backward shift),
 * and refuses key 0. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/hashtab.h"
#include "harness.h"

static void test_put_get_replace(void)
{
    struct hashtab t;
    hashtab_init(&t);
    uint64_t v = 0;
    CHECK_EQ_INT(hashtab_get(&t, 42, &v), 0); /* empty table, nothing allocated */
    CHECK_EQ_INT(hashtab_remove(&t, 42, &v), 0);
    CHECK_EQ_INT(hashtab_put(&t, 42, 7), 0);
    CHECK_EQ_INT(hashtab_get(&t, 42, &v), 1);
    CHECK_EQ_INT(v, 7);
    CHECK_EQ_INT(hashtab_put(&t, 42, 8), 0); /* replace, not add */
    CHECK_EQ_INT(hashtab_count(&t), 1);
    CHECK_EQ_INT(hashtab_get(&t, 42, NULL), 1);
    CHECK_EQ_INT(hashtab_get(&t, 42, &v), 1);
    CHECK_EQ_INT(v, 8);
    CHECK_EQ_INT(hashtab_put(&t, 0, 1), -EINVAL);
    CHECK_EQ_INT(hashtab_get(&t, 0, &v), 0);
    CHECK_EQ_INT(hashtab_remove(&t, 42, &v), 1);
    CHECK_EQ_INT(v, 8);
    CHECK_EQ_INT(hashtab_get(&t, 42, &v), 0);
    CHECK_EQ_INT(hashtab_count(&t), 0);
    hashtab_free(&t);
    hashtab_free(&t);
}

/* Aligned addresses, as code objects and heap blocks have: growth keeps
 * every one, and the table stays at most half full. */
static void test_growth_keeps_everything(void)
{
    struct hashtab t;
    hashtab_init(&t);
    for (uint64_t i = 1; i <= 50000; i++)
        CHECK_EQ_INT(hashtab_put(&t, 0x7f0000000000ull + i * 64, i), 0);
    CHECK_EQ_INT(hashtab_count(&t), 50000);
    CHECK(t.cap >= 100000 && (t.cap & (t.cap - 1)) == 0);
    int all = 1;
    for (uint64_t i = 1; i <= 50000; i++) {
        uint64_t v = 0;
        all &= hashtab_get(&t, 0x7f0000000000ull + i * 64, &v) == 1 && v == i;
    }
    CHECK(all);
    CHECK_EQ_INT(hashtab_get(&t, 0x7f0000000000ull + 50001 * 64, NULL), 0);
    hashtab_free(&t);
}

/* Random puts and removes over few keys in a small table: probe runs
 * collide and wrap around the end all the time. After every step the
 * table holds exactly what the model holds. */
static void test_churn_against_model(void)
{
    enum { KEYS = 90 };
    uint64_t model[KEYS + 1] = {0}; /* 0: absent, else value + 1 */
    struct hashtab t;
    hashtab_init(&t);
    srand(11);
    int agree = 1;
    size_t present = 0;
    for (int step = 0; step < 200000 && agree; step++) {
        uint64_t key = 1 + (uint64_t)(rand() % KEYS);
        if (rand() % 3) {
            uint64_t value = (uint64_t)rand();
            agree &= hashtab_put(&t, key, value) == 0;
            present += model[key] == 0;
            model[key] = value + 1;
        } else {
            uint64_t old = 0;
            int removed = hashtab_remove(&t, key, &old);
            agree &= removed == (model[key] != 0);
            agree &= !removed || old + 1 == model[key];
            present -= model[key] != 0;
            model[key] = 0;
        }
        agree &= hashtab_count(&t) == present;
        if (step % 97 == 0)
            for (uint64_t k = 1; k <= KEYS; k++) {
                uint64_t v = 0;
                int found = hashtab_get(&t, k, &v);
                agree &= found == (model[k] != 0) && (!found || v + 1 == model[k]);
            }
    }
    CHECK(agree);
    CHECK(t.cap <= 256); /* deletions leave no tombstones to grow on */
    hashtab_free(&t);
}

/* Clearing empties the table and keeps its slots for the refill. */
static void test_clear_keeps_capacity(void)
{
    struct hashtab t;
    hashtab_init(&t);
    hashtab_clear(&t); /* an empty table, never allocated */
    CHECK(hashtab_count(&t) == 0 && !hashtab_get(&t, 1, NULL));
    for (uint64_t k = 1; k <= 100; k++)
        CHECK(hashtab_put(&t, k, k) == 0);
    size_t cap = t.cap;
    hashtab_clear(&t);
    CHECK(hashtab_count(&t) == 0 && t.cap == cap);
    int none = 1;
    for (uint64_t k = 1; k <= 100; k++)
        none &= !hashtab_get(&t, k, NULL);
    CHECK(none);
    uint64_t v = 0;
    CHECK(hashtab_put(&t, 7, 70) == 0 && hashtab_get(&t, 7, &v) && v == 70);
    CHECK(hashtab_count(&t) == 1 && t.cap == cap);
    hashtab_free(&t);
}

int main(void)
{
    test_clear_keeps_capacity();
    test_put_get_replace();
    test_growth_keeps_everything();
    test_churn_against_model();
    return test_finish("test_hashtab");
}
