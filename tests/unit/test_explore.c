/*
 * test_explore.c - the schedule reduction of lockyard explore on abstract
 * clients: independent requests give one schedule class, conflicting ones
 * every order within the preemption bound, and against brute force the
 * search covers every class that has a schedule within the bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../scenarios/runner/explore.h"

static struct xopt req(const char *key, int write)
{
    struct xopt o;
    memset(&o, 0, sizeof o);
    snprintf(o.key, sizeof o.key, "%s", key);
    o.write = write;
    return o;
}

static int64_t count(const struct xopt *a, size_t na, const struct xopt *b, size_t nb, int k,
                     int64_t *blocked)
{
    const struct xopt *steps[2] = {a, b};
    size_t nsteps[2] = {na, nb};
    struct xmodel m = {2, steps, nsteps, NULL, NULL};
    int64_t n = -1, bl = -1;
    assert_int_equal(explore_model(&m, k, &n, &bl), 0);
    if (blocked)
        *blocked = bl;
    return n;
}

static void test_different_keys_one_class(void **state)
{
    (void)state;
    struct xopt a[2] = {req("bucket/a", 1), req("bucket/a", 1)};
    struct xopt b[2] = {req("bucket/b", 1), req("bucket/b", 1)};
    int64_t blocked;
    /* 6 orderings, all equivalent: one complete schedule, the rest stop as redundant */
    assert_int_equal(count(a, 2, b, 2, 2, &blocked), 1);
    assert_true(blocked > 0);
    assert_int_equal(count(a, 2, b, 2, 100, NULL), 1);
}

static void test_reads_commute(void **state)
{
    (void)state;
    struct xopt a[2] = {req("bucket/lock", 0), req("bucket/lock", 0)};
    struct xopt b[1] = {req("bucket/lock", 0)};
    assert_int_equal(count(a, 2, b, 1, 2, NULL), 1);
}

static void test_same_key_hand_count(void **state)
{
    (void)state;
    /* 2 clients x 2 writes of one key: C(4,2) = 6 orders. Preemptions (switching away from
     * a client that still has a request): AABB 0, BBAA 0, ABBA 1, BAAB 1, ABAB 2, BABA 2. */
    struct xopt a[2] = {req("bucket/lock", 1), req("bucket/lock", 1)};
    struct xopt b[2] = {req("bucket/lock", 1), req("bucket/lock", 1)};
    assert_int_equal(count(a, 2, b, 2, 2, NULL), 6);
    assert_int_equal(count(a, 2, b, 2, 1, NULL), 4);
    assert_int_equal(count(a, 2, b, 2, 0, NULL), 2);
}

static void test_dependence(void **state)
{
    (void)state;
    struct xopt w = req("b/k", 1), r = req("b/k", 0), other = req("b/j", 1);
    w.client = 0;
    r.client = 1;
    other.client = 1;
    assert_true(xopt_dependent(&w, &r, 0));
    assert_false(xopt_dependent(&w, &other, 0));
    struct xopt r2 = r;
    r2.client = 0;
    assert_false(xopt_dependent(&r2, &r, 0));
    assert_true(xopt_dependent(&r2, &r2, 0)); /* same client */
    struct xopt wake = req("", 0);
    wake.client = 1;
    wake.wake = XW_POLL;
    assert_true(xopt_dependent(&w, &wake, 0)); /* a write wakes a polling client */
    r2.client = 0;
    assert_false(xopt_dependent(&r2, &wake, 0)); /* a read does not */
    assert_true(xopt_dependent(&r2, &wake, 1));  /* unless the protocol reads the clock */
    wake.wake = XW_RETRY;
    assert_false(xopt_dependent(&w, &wake, 0));
}

/* ---- brute force: classes (order of every dependent pair) within the bound ---- */

#define NC 3
#define NS 3

struct bf {
    struct xopt steps[NC][NS];
    size_t nsteps[NC];
    char (*sigs)[64];
    size_t nsigs;
    int k;
};

static void signature(const struct bf *b, const int *order, size_t n, char *out)
{
    int pos[NC][NS], idx[NC] = {0};
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        pos[order[i]][idx[order[i]]++] = (int)i;
    for (int c1 = 0; c1 < NC; c1++)
        for (size_t k1 = 0; k1 < b->nsteps[c1]; k1++)
            for (int c2 = c1 + 1; c2 < NC; c2++)
                for (size_t k2 = 0; k2 < b->nsteps[c2]; k2++) {
                    struct xopt x = b->steps[c1][k1], y = b->steps[c2][k2];
                    x.client = c1;
                    y.client = c2;
                    if (xopt_dependent(&x, &y, 0) && m < 63)
                        out[m++] = pos[c1][k1] < pos[c2][k2] ? '<' : '>';
                }
    out[m] = '\0';
}

static void add_sig(struct bf *b, const char *s)
{
    for (size_t i = 0; i < b->nsigs; i++)
        if (!strcmp(b->sigs[i], s))
            return;
    b->sigs = realloc(b->sigs, (b->nsigs + 1) * sizeof *b->sigs);
    assert_non_null(b->sigs);
    snprintf(b->sigs[b->nsigs++], 64, "%s", s);
}

static void brute(struct bf *b, size_t *pc, int *order, size_t len, int last, int pre)
{
    size_t total = 0;
    for (int c = 0; c < NC; c++)
        total += b->nsteps[c];
    if (len == total) {
        char s[64];
        signature(b, order, len, s);
        add_sig(b, s);
        return;
    }
    for (int c = 0; c < NC; c++) {
        if (pc[c] >= b->nsteps[c])
            continue;
        int cost = last >= 0 && last != c && pc[last] < b->nsteps[last];
        if (pre + cost > b->k)
            continue;
        order[len] = c;
        pc[c]++;
        brute(b, pc, order, len + 1, c, pre + cost);
        pc[c]--;
    }
}

struct seen {
    struct bf *b;
    char (*sigs)[64];
    size_t n;
};

static void on_schedule(void *arg, const int *order, size_t n)
{
    struct seen *s = arg;
    s->sigs = realloc(s->sigs, (s->n + 1) * sizeof *s->sigs);
    assert_non_null(s->sigs);
    signature(s->b, order, n, s->sigs[s->n++]);
}

static void random_model(struct bf *b, unsigned *seed)
{
    static const char *const keys[] = {"b/x", "b/y", "b/z"};
    for (int c = 0; c < NC; c++) {
        b->nsteps[c] = 1 + (size_t)(rand_r(seed) % NS);
        for (size_t k = 0; k < b->nsteps[c]; k++)
            b->steps[c][k] = req(keys[rand_r(seed) % 3], rand_r(seed) % 2);
    }
}

static void test_covers_every_class_within_bound(void **state)
{
    (void)state;
    unsigned seed = 7;
    for (int round = 0; round < 300; round++) {
        struct bf b;
        memset(&b, 0, sizeof b);
        random_model(&b, &seed);
        b.k = round % 4 == 3 ? 100 : round % 4; /* 100: no bound at all */
        size_t pc[NC] = {0};
        int order[NC * NS];
        brute(&b, pc, order, 0, -1, 0);
        const struct xopt *steps[NC] = {b.steps[0], b.steps[1], b.steps[2]};
        struct seen s = {&b, NULL, 0};
        struct xmodel m = {NC, steps, b.nsteps, on_schedule, &s};
        int64_t n, blocked;
        assert_int_equal(explore_model(&m, b.k, &n, &blocked), 0);
        assert_int_equal((size_t)n, s.n);
        for (size_t i = 0; i < b.nsigs; i++) {
            int found = 0;
            for (size_t j = 0; j < s.n && !found; j++)
                found = !strcmp(b.sigs[i], s.sigs[j]);
            if (!found)
                fail_msg("round %d (bound %d): class %s not explored", round, b.k, b.sigs[i]);
        }
        if (b.k == 100 && s.n != b.nsigs) /* no bound: exactly one schedule per class */
            fail_msg("round %d: %zu schedules for %zu classes", round, s.n, b.nsigs);
        free(b.sigs);
        free(s.sigs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_different_keys_one_class),
        cmocka_unit_test(test_reads_commute),
        cmocka_unit_test(test_same_key_hand_count),
        cmocka_unit_test(test_dependence),
        cmocka_unit_test(test_covers_every_class_within_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
