/* test_checkers.c - the runner's checkers on hand-made histories, and WGL against brute force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../scenarios/runner/check.h"

/* ---- history building ---- */

static void ev(struct history *h, int64_t t, const char *proc, int type, const char *f,
               const char *key, const char *val)
{
    struct hev e = hev_blank();
    e.time_us = t;
    e.process = history_intern(h, proc);
    e.type = (uint8_t)type;
    snprintf(e.f, sizeof e.f, "%s", f);
    e.key = key ? history_intern(h, key) : 0;
    if (val) {
        e.val = history_intern(h, val);
        e.val_known = 1;
    }
    assert_int_equal(history_add(h, &e), 0);
}

static void op(struct history *h, const char *proc, const char *f, int64_t t0, int64_t t1, int type,
               const char *in, const char *out)
{
    ev(h, t0, proc, HEV_INVOKE, f, "x", in);
    if (type >= 0)
        ev(h, t1, proc, type, f, "x", out);
}

static int lin_verdict(struct history *h, const char *model)
{
    struct check_result r;
    check_result_init(&r);
    assert_int_equal(history_pair(h), 0);
    assert_int_equal(check_linearizable(h, model, 0, &r), 0);
    int illegal = (r.found >> V_NONLINEARIZABLE) & 1;
    check_result_cleanup(&r);
    history_cleanup(h);
    return illegal;
}

static void test_register_linearizable(void **st)
{
    (void)st;
    struct history h;
    history_init(&h);
    op(&h, "a", "write", 0, 10, HEV_OK, "1", NULL);
    op(&h, "b", "read", 5, 15, HEV_OK, NULL, "1");
    op(&h, "c", "read", 2, 4, HEV_OK, NULL, NULL); /* nil read before the write */
    assert_int_equal(lin_verdict(&h, "register"), 0);
}

static void test_register_stale_read(void **st)
{
    (void)st;
    struct history h;
    history_init(&h);
    op(&h, "a", "write", 0, 10, HEV_OK, "1", NULL);
    op(&h, "a", "write", 20, 30, HEV_OK, "2", NULL);
    op(&h, "b", "read", 40, 50, HEV_OK, NULL, "1"); /* reads an overwritten value */
    assert_int_equal(lin_verdict(&h, "register"), 1);
}

static void test_register_needs_backtracking(void **st)
{
    (void)st;
    struct history h;
    history_init(&h);
    /* w1 and w2 concurrent; the greedy order (w1, w2) fails the read of 1 */
    op(&h, "a", "write", 0, 50, HEV_OK, "1", NULL);
    op(&h, "b", "write", 0, 50, HEV_OK, "2", NULL);
    op(&h, "c", "read", 60, 70, HEV_OK, NULL, "1");
    op(&h, "d", "read", 80, 90, HEV_OK, NULL, "1");
    assert_int_equal(lin_verdict(&h, "register"), 0);
    history_init(&h);
    op(&h, "a", "write", 0, 50, HEV_OK, "1", NULL);
    op(&h, "b", "write", 0, 50, HEV_OK, "2", NULL);
    op(&h, "c", "read", 60, 70, HEV_OK, NULL, "1");
    op(&h, "d", "read", 80, 90, HEV_OK, NULL, "2"); /* 2 after 1 with no write between */
    assert_int_equal(lin_verdict(&h, "register"), 1);
}

static void test_register_info_and_cas(void **st)
{
    (void)st;
    struct history h;
    history_init(&h);
    op(&h, "a", "write", 0, 10, HEV_INFO, "3", NULL); /* unknown outcome */
    op(&h, "b", "read", 20, 30, HEV_OK, NULL, "3");
    assert_int_equal(lin_verdict(&h, "register"), 0);
    history_init(&h);
    op(&h, "a", "write", 0, 10, HEV_OK, "1", NULL);
    ev(&h, 20, "b", HEV_INVOKE, "cas", "x", NULL);
    h.ev[h.n - 1].cond_val = history_intern(&h, "1");
    h.ev[h.n - 1].val = history_intern(&h, "5");
    ev(&h, 30, "b", HEV_OK, "cas", "x", NULL);
    op(&h, "c", "read", 40, 50, HEV_OK, NULL, "1"); /* the cas took effect: 1 is stale */
    assert_int_equal(lin_verdict(&h, "register"), 1);
}

static void test_lock_model(void **st)
{
    (void)st;
    struct history h;
    history_init(&h);
    op(&h, "a", "acquire", 0, 10, HEV_OK, NULL, NULL);
    op(&h, "b", "acquire", 20, 30, HEV_OK, NULL, NULL); /* a never released */
    assert_int_equal(lin_verdict(&h, "lock"), 1);
    history_init(&h);
    op(&h, "a", "acquire", 0, 10, HEV_OK, NULL, NULL);
    op(&h, "b", "acquire", 5, 30, HEV_OK, NULL, NULL);
    op(&h, "a", "release", 12, 20, HEV_OK, NULL, NULL);
    assert_int_equal(lin_verdict(&h, "lock"), 0);
}

static void test_counter_model(void **st)
{
    (void)st;
    struct history h;
    history_init(&h);
    op(&h, "a", "add", 0, 10, HEV_OK, "1", NULL);
    op(&h, "b", "add", 0, 10, HEV_OK, "1", NULL);
    op(&h, "c", "read", 20, 30, HEV_OK, NULL, "1"); /* a lost increment */
    assert_int_equal(lin_verdict(&h, "counter"), 1);
}

static void test_overlapping_critical_sections(void **st)
{
    (void)st;
    struct history h;
    struct check_result r;
    history_init(&h);
    check_result_init(&r);
    ev(&h, 10, "A", HEV_INFO, "cs_enter", NULL, NULL);
    ev(&h, 20, "B", HEV_INFO, "cs_enter", NULL, NULL);
    ev(&h, 30, "A", HEV_INFO, "cs_exit", NULL, NULL);
    ev(&h, 40, "B", HEV_INFO, "cs_exit", NULL, NULL);
    ev(&h, 50, "A", HEV_INFO, "cs_enter", NULL, NULL);
    ev(&h, 60, "A", HEV_INFO, "cs_exit", NULL, NULL);
    assert_int_equal(history_pair(&h), 0);
    assert_int_equal(check_mutex_believed(&h, &r), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0].kind, V_MUTEX_BELIEVED);
    assert_int_equal(r.v[0].events[0], 0);
    assert_int_equal(r.v[0].events[1], 1);
    check_result_cleanup(&r);
    history_cleanup(&h);
}

static void test_effective_exclusion(void **st)
{
    (void)st;
    struct history h;
    struct check_result r;
    history_init(&h);
    check_result_init(&r);
    const char *who[] = {"A", "B", "A"};
    int roles[] = {ROLE_LOCK, ROLE_LOCK, ROLE_RESOURCE};
    for (int i = 0; i < 3; i++) {
        ev(&h, i * 10, who[i], HEV_INVOKE, "PutObject", i < 2 ? "b/lock" : "b/res", NULL);
        ev(&h, i * 10 + 5, who[i], HEV_OK, "PutObject", i < 2 ? "b/lock" : "b/res", NULL);
        h.ev[h.n - 1].role = h.ev[h.n - 2].role = (uint8_t)roles[i];
    }
    assert_int_equal(history_pair(&h), 0);
    assert_int_equal(check_ownership(&h, 1, &r), 0);
    assert_true(r.found & (1u << V_MUTEX_EFFECTIVE));
    assert_true(r.found & (1u << V_ORPHAN_LOCK));
    check_result_cleanup(&r);
    history_cleanup(&h);
}

/* One applied write with a role: invoke at t0, answer at t1 (type), journal seq or -1. */
static void role_op(struct history *h, const char *who, int role, const char *key, int64_t t0,
                    int64_t t1, int type, int64_t seq)
{
    ev(h, t0, who, HEV_INVOKE, role == ROLE_UNLOCK ? "DeleteObject" : "PutObject", key, NULL);
    ev(h, t1, who, type, role == ROLE_UNLOCK ? "DeleteObject" : "PutObject", key, NULL);
    h->ev[h->n - 1].role = h->ev[h->n - 2].role = (uint8_t)role;
    h->ev[h->n - 1].seq = seq;
}

/* A's unlock commits first but is answered late; B's lock commits after it and is answered
 * first. Ordering commits by answer time would invent "A released a lock owned by B". */
static void handover(struct history *h, int with_seq)
{
    role_op(h, "A", ROLE_LOCK, "b/lock", 0, 5, HEV_OK, with_seq ? 1 : -1);
    role_op(h, "A", ROLE_RESOURCE, "b/res", 6, 10, HEV_OK, with_seq ? 2 : -1);
    role_op(h, "A", ROLE_UNLOCK, "b/lock", 20, 60, HEV_OK, with_seq ? 3 : -1);
    role_op(h, "B", ROLE_LOCK, "b/lock", 30, 40, HEV_OK, with_seq ? 4 : -1);
    role_op(h, "B", ROLE_UNLOCK, "b/lock", 70, 80, HEV_OK, with_seq ? 5 : -1);
    assert_int_equal(history_pair(h), 0);
}

static void test_unknown_order_is_unknown_not_a_violation(void **st)
{
    (void)st;
    struct history h;
    struct check_result r;
    history_init(&h);
    check_result_init(&r);
    handover(&h, 0);
    assert_int_equal(check_ownership(&h, 1, &r), 0);
    assert_int_equal(r.found, 0);
    assert_true(r.unknown & (1u << V_FOREIGN_UNLOCK));
    assert_non_null(strstr(r.why[V_FOREIGN_UNLOCK], "unknown"));
    assert_int_equal(r.order, ORDER_REALTIME);
    assert_string_equal(check_verdict(&r, 0), "unknown");
    check_result_cleanup(&r);
    history_cleanup(&h);
    /* the same history with the journal's order: decided, and correct */
    history_init(&h);
    check_result_init(&r);
    handover(&h, 1);
    assert_int_equal(check_ownership(&h, 1, &r), 0);
    assert_int_equal(r.found, 0);
    assert_int_equal(r.unknown, 0);
    assert_int_equal(r.order, ORDER_JOURNAL);
    assert_string_equal(check_verdict(&r, 0), "ok");
    check_result_cleanup(&r);
    history_cleanup(&h);
}

/* Without a journal, what holds in every order consistent with real time is still proven. */
static void test_realtime_proves_violations(void **st)
{
    (void)st;
    struct history h;
    struct check_result r;
    history_init(&h);
    check_result_init(&r);
    role_op(&h, "A", ROLE_LOCK, "b/lock", 0, 5, HEV_OK, -1);
    role_op(&h, "B", ROLE_LOCK, "b/lock", 10, 15, HEV_OK, -1); /* lock ignored by the store */
    role_op(&h, "A", ROLE_RESOURCE, "b/res", 20, 25, HEV_OK, -1);
    role_op(&h, "A", ROLE_UNLOCK, "b/lock", 30, 35, HEV_OK, -1);
    role_op(&h, "C", ROLE_LOCK, "b/lock", 40, 45, HEV_OK, -1);
    assert_int_equal(history_pair(&h), 0);
    assert_int_equal(check_ownership(&h, 1, &r), 0);
    assert_true(r.found & (1u << V_MUTEX_EFFECTIVE));
    assert_true(r.found & (1u << V_FOREIGN_UNLOCK));
    assert_true(r.found & (1u << V_ORPHAN_LOCK));
    assert_string_equal(check_verdict(&r, r.found), "ok");
    assert_string_equal(check_verdict(&r, 0), "mismatch");
    check_result_cleanup(&r);
    history_cleanup(&h);
}

/* A client-side fault narrows when a request can have committed: not before it left the client
 * (a delay kept it), not after the store's real answer came (the client was shown it later). */
static void test_realtime_uses_send_and_store_answer_times(void **st)
{
    (void)st;
    struct history h;
    struct check_result r;
    /* A's unlock was answered to the client late (60) but the store's answer came at 25: it
     * committed before B's lock was sent (30). Decided, and correct. */
    history_init(&h);
    check_result_init(&r);
    handover(&h, 0);
    h.ev[5].done_us = 25; /* the completion of A's unlock */
    assert_int_equal(check_ownership(&h, 1, &r), 0);
    assert_int_equal(r.found, 0);
    assert_int_equal(r.unknown, 0);
    assert_string_equal(check_verdict(&r, 0), "ok");
    check_result_cleanup(&r);
    history_cleanup(&h);
    /* A's unlock was invoked at 20 but a delay kept it until 45, after B's lock was answered
     * (40): B's lock committed while A held the lock, and A released B's lock. Proven. */
    history_init(&h);
    check_result_init(&r);
    handover(&h, 0);
    h.ev[4].sent_us = 45; /* the invoke of A's unlock */
    assert_int_equal(check_ownership(&h, 1, &r), 0);
    assert_true(r.found & (1u << V_FOREIGN_UNLOCK));
    check_result_cleanup(&r);
    history_cleanup(&h);
}

static void test_verdicts(void **st)
{
    (void)st;
    struct check_result r;
    check_result_init(&r);
    r.found = 1u << V_MUTEX_BELIEVED;
    assert_string_equal(check_verdict(&r, 1u << V_MUTEX_BELIEVED), "ok");
    check_unknown(&r, V_NONLINEARIZABLE, "search budget");
    assert_string_equal(check_verdict(&r, 1u << V_MUTEX_BELIEVED), "unknown");
    /* an expected kind that could not be decided: unknown; a proven extra: mismatch */
    assert_string_equal(check_verdict(&r, (1u << V_MUTEX_BELIEVED) | (1u << V_NONLINEARIZABLE)),
                        "unknown");
    assert_string_equal(check_verdict(&r, 0), "mismatch");
    assert_string_equal(check_verdict(&r, (1u << V_MUTEX_BELIEVED) | (1u << V_LOST_UPDATE)),
                        "mismatch");
    check_result_cleanup(&r);
}

static void test_lost_and_duplicate_appends(void **st)
{
    (void)st;
    struct history h;
    struct check_result r;
    history_init(&h);
    check_result_init(&r);
    op(&h, "A", "append", 0, 10, HEV_OK, "a1", NULL);
    op(&h, "B", "append", 5, 15, HEV_OK, "b1", NULL);
    op(&h, "C", "append", 5, 15, HEV_OK, "c1", NULL);
    ev(&h, 20, "final", HEV_INVOKE, "read", "x", NULL);
    ev(&h, 30, "final", HEV_OK, "read", "x", NULL);
    struct hev *fr = &h.ev[h.n - 1];
    fr->list = calloc(3, sizeof *fr->list);
    fr->list[0] = history_intern(&h, "b1");
    fr->list[1] = history_intern(&h, "c1");
    fr->list[2] = history_intern(&h, "c1");
    fr->list_len = 3;
    fr->val_known = 1;
    assert_int_equal(history_pair(&h), 0);
    assert_int_equal(check_lists(&h, &r), 0);
    assert_int_equal(r.per_kind[V_LOST_UPDATE], 1);
    assert_int_equal(r.per_kind[V_DUPLICATE_UPDATE], 1);
    check_result_cleanup(&r);
    history_cleanup(&h);
}

/* ---- WGL against brute force on small random register histories ---- */

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int brute(const struct wgl_op *ops, size_t n, uint32_t done, int64_t state)
{
    int all = 1;
    for (size_t i = 0; i < n; i++)
        if (!(done >> i & 1) && !ops[i].unknown)
            all = 0;
    if (all)
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (done >> i & 1)
            continue;
        int blocked = 0;
        for (size_t j = 0; j < n && !blocked; j++)
            blocked = !(done >> j & 1) && j != i && ops[j].ret < ops[i].call;
        int64_t next;
        if (!blocked && wgl_step(WM_REGISTER, state, &ops[i], &next) &&
            brute(ops, n, done | 1u << i, next))
            return 1;
    }
    return 0;
}

static void random_ops(uint64_t *s, struct wgl_op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct wgl_op *o = &ops[i];
        memset(o, 0, sizeof *o);
        o->call = (int64_t)(rnd(s) % 20);
        o->ret = o->call + 1 + (int64_t)(rnd(s) % 8);
        int k = (int)(rnd(s) % 5);
        o->kind = k < 2 ? W_READ : k < 4 ? W_WRITE : W_CAS;
        o->a = (int64_t)(rnd(s) % 3);
        o->b = 1 + (int64_t)(rnd(s) % 3);
        if (o->kind == W_WRITE)
            o->a = 1 + (int64_t)(rnd(s) % 3);
        o->out = (int64_t)(rnd(s) % 4);
        o->out_known = o->kind == W_READ;
        if (rnd(s) % 8 == 0 && o->kind != W_READ) {
            o->unknown = 1;
            o->ret = HIST_TIME_END;
        }
    }
}

static void test_wgl_agrees_with_brute_force(void **st)
{
    (void)st;
    uint64_t seed = 42;
    int legal = 0, illegal = 0;
    for (int round = 0; round < 4000; round++) {
        struct wgl_op ops[7];
        size_t n = 1 + rnd(&seed) % 7;
        random_ops(&seed, ops, n);
        struct wgl_result res;
        assert_int_equal(wgl_check(WM_REGISTER, ops, n, 0, &res), 0);
        int expect = brute(ops, n, 0, 0);
        if ((res.verdict == WGL_OK) != expect)
            fail_msg("round %d: wgl %d, brute force %d", round, res.verdict, expect);
        expect ? legal++ : illegal++;
    }
    assert_true(legal > 300 && illegal > 300);
}

static void test_wgl_long_single_key(void **st)
{
    (void)st;
    enum { N = 10000 };
    struct wgl_op *ops = calloc(N, sizeof *ops);
    uint64_t seed = 7;
    int64_t t = 0;
    for (int i = 0; i < N; i += 2) { /* pairs of an overlapping write and read, 4 clients */
        int64_t v = 1 + (int64_t)(rnd(&seed) % 5);
        ops[i] = (struct wgl_op){t, t + 10, W_WRITE, 0, 1, 0, v, 0, 0, 0};
        ops[i + 1] = (struct wgl_op){t + 2, t + 12, W_READ, 0, 1, 0, 0, 0, v, 0};
        t += 11;
    }
    struct wgl_result res;
    assert_int_equal(wgl_check(WM_REGISTER, ops, N, 0, &res), 0);
    assert_int_equal(res.verdict, WGL_OK);
    ops[N - 1].out = 99;
    assert_int_equal(wgl_check(WM_REGISTER, ops, N, 0, &res), 0);
    assert_int_equal(res.verdict, WGL_ILLEGAL);
    free(ops);
}

static void test_jsonl_round_trip(void **st)
{
    (void)st;
    const char *text = "{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":3,\"time\":1,"
                       "\"sent_us\":5}\n"
                       "{\"process\":1,\"type\":\"ok\",\"f\":\"write\",\"value\":3,\"time\":2,"
                       "\"done_us\":7}\n"
                       "\n{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"time\":3}\n";
    struct history h;
    char err[128];
    history_init(&h);
    assert_int_equal(history_parse_jsonl(&h, text, strlen(text), err, sizeof err), 0);
    assert_int_equal(h.n, 4); /* the open read got a synthetic info */
    assert_int_equal(h.ev[3].type, HEV_INFO);
    assert_int_equal(h.ev[0].pair, 1);
    assert_int_equal(h.ev[0].sent_us, 5); /* what narrows the commit interval survives a file */
    assert_int_equal(h.ev[1].done_us, 7);
    history_cleanup(&h);
    history_init(&h);
    assert_int_equal(history_parse_jsonl(&h, "{\"type\":\"ok\"}\n", 13, err, sizeof err),
                     LY_EINVAL);
    assert_non_null(strstr(err, "line 1"));
    history_cleanup(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_linearizable),
        cmocka_unit_test(test_register_stale_read),
        cmocka_unit_test(test_register_needs_backtracking),
        cmocka_unit_test(test_register_info_and_cas),
        cmocka_unit_test(test_lock_model),
        cmocka_unit_test(test_counter_model),
        cmocka_unit_test(test_overlapping_critical_sections),
        cmocka_unit_test(test_effective_exclusion),
        cmocka_unit_test(test_unknown_order_is_unknown_not_a_violation),
        cmocka_unit_test(test_realtime_proves_violations),
        cmocka_unit_test(test_realtime_uses_send_and_store_answer_times),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_lost_and_duplicate_appends),
        cmocka_unit_test(test_wgl_agrees_with_brute_force),
        cmocka_unit_test(test_wgl_long_single_key),
        cmocka_unit_test(test_jsonl_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
