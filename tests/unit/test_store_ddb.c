/* test_store_ddb.c - DynamoDB tables and items in LMDB: table records, atomic decide-then-write,
 * multi-op transactions, tokens, key-ordered scans (forward, reverse, prefix, start), long
 * keys, TTL sweeps, and one winner among concurrent put-if-absent writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/ddb_keycodec.h"
#include "lockyard/store_ddb.h"

static struct store *open_tmp(void)
{
    struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1u << 30};
    struct store *s = NULL;
    assert_int_equal(store_open(&o, &s), 0);
    return s;
}

static uint64_t mk_table(struct store *s, const char *name)
{
    struct store_ddb_table t = {.name = name, .ctime_ms = 1000, .desc = "{}", .desc_len = 2};
    assert_int_equal(store_ddb_table_create(s, &t), 0);
    assert_true(t.id > 0);
    return t.id;
}

/* An item {"pk": S pk, "sk": N sk, "v": S v}; sk < 0 means no sort key. */
static struct ddb_map mk_item(struct ly_arena *a, const char *pk, long sk, const char *v)
{
    struct ddb_map m = {NULL, 0};
    struct ddb_val h = {.type = DDB_T_S}, r = {.type = DDB_T_N}, x = {.type = DDB_T_S};
    h.u.bytes.p = ly_arena_strdup(a, pk);
    h.u.bytes.len = strlen(pk);
    assert_int_equal(ddb_map_put(a, &m, "pk", 2, &h, &m), 0);
    if (sk >= 0) {
        ddb_num_from_i64(sk, &r.u.num);
        assert_int_equal(ddb_map_put(a, &m, "sk", 2, &r, &m), 0);
    }
    x.u.bytes.p = ly_arena_strdup(a, v);
    x.u.bytes.len = strlen(v);
    assert_int_equal(ddb_map_put(a, &m, "v", 1, &x, &m), 0);
    return m;
}

static void enc_key(const struct ddb_map *item, struct ly_buf *b)
{
    ly_buf_reset(b);
    const struct ddb_val *r = ddb_map_get(item, "sk", 2);
    assert_int_equal(ddb_keycodec_encode(ddb_map_get(item, "pk", 2), r, b), 0);
}

struct put_ctx {
    const struct ddb_map *item;
    int if_absent;
    int saw_old;
};

static int decide_put(void *ctx, struct ly_arena *a, const struct ddb_map *cur,
                      enum store_ddb_action *act, const struct ddb_map **next)
{
    (void)a;
    struct put_ctx *p = ctx;
    p->saw_old = cur != NULL;
    if (p->if_absent && cur)
        return LY_ECOND;
    *act = STORE_DDB_PUT;
    *next = p->item;
    return 0;
}

static int decide_delete(void *ctx, struct ly_arena *a, const struct ddb_map *cur,
                         enum store_ddb_action *act, const struct ddb_map **next)
{
    (void)ctx;
    (void)a;
    (void)cur;
    (void)next;
    *act = STORE_DDB_DELETE;
    return 0;
}

static int put(struct store *s, const char *table, uint64_t id, const struct ddb_map *item,
               int if_absent)
{
    struct ly_arena a;
    struct ly_buf k;
    ly_arena_init(&a, 1 << 20);
    ly_buf_init(&k, 1 << 16);
    enc_key(item, &k);
    struct put_ctx pc = {item, if_absent, 0};
    struct store_ddb_op op = {table, id, k.data, k.len, decide_put, &pc, 0};
    int rc = store_ddb_write(s, &op, 1, NULL, &a);
    ly_buf_cleanup(&k);
    ly_arena_cleanup(&a);
    return rc;
}

static int get_v(struct store *s, const char *table, uint64_t id, const struct ddb_map *key,
                 struct ly_arena *a, const char **v)
{
    struct ly_buf k;
    ly_buf_init(&k, 1 << 16);
    enc_key(key, &k);
    struct store_ddb_get g = {table, id, k.data, k.len, 0, {NULL, 0}, 0};
    int rc = store_ddb_get(s, &g, 1, a);
    ly_buf_cleanup(&k);
    *v = NULL;
    if (!rc && g.found)
        *v = ddb_map_get(&g.item, "v", 1)->u.bytes.p;
    return rc;
}

static void test_tables(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    uint64_t id1 = mk_table(s, "beta"), id2 = mk_table(s, "alpha");
    assert_true(id1 != id2);
    struct store_ddb_table t = {.name = "beta", .ctime_ms = 1, .desc = "{}", .desc_len = 2}, got;
    assert_int_equal(store_ddb_table_create(s, &t), LY_EEXIST);
    assert_int_equal(store_ddb_table_get(s, "alpha", &a, &got), 0);
    assert_int_equal(got.id, id2);
    assert_string_equal(got.desc, "{}");
    assert_null(got.ttl_attr);
    assert_int_equal(store_ddb_table_get(s, "gamma", &a, &got), LY_ENOENT);
    const char **names;
    size_t n;
    int more;
    assert_int_equal(store_ddb_table_list(s, NULL, 1, &a, &names, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "alpha");
    assert_int_equal(more, 1);
    assert_int_equal(store_ddb_table_list(s, "alpha", 5, &a, &names, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "beta");
    assert_int_equal(more, 0);
    struct ddb_map it = mk_item(&a, "k", -1, "x");
    assert_int_equal(put(s, "beta", id1, &it, 0), 0);
    assert_int_equal(put(s, "beta", id2, &it, 0), LY_ENOPARENT); /* wrong id */
    uint64_t items, bytes;
    assert_int_equal(store_ddb_table_stats(s, id1, &items, &bytes), 0);
    assert_int_equal(items, 1);
    assert_int_equal(store_ddb_table_delete(s, "beta", &a, &got), 0);
    assert_int_equal(got.id, id1);
    assert_int_equal(store_ddb_table_stats(s, id1, &items, &bytes), 0);
    assert_int_equal(items, 0);
    assert_int_equal(store_ddb_table_delete(s, "beta", &a, &got), LY_ENOENT);
    assert_int_equal(store_reset(s), 0);
    assert_int_equal(store_ddb_table_get(s, "alpha", &a, &got), LY_ENOENT);
    ly_arena_cleanup(&a);
    store_close(s);
}

/* Item calls know a table read before under the same table generation (the store's memo): a
 * table deleted, or deleted and created again under a new id, or wiped by store_reset, is seen
 * as it is now; reads from a snapshot see the table the snapshot holds. */
static void test_table_memo(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    struct store_ddb_table got;
    uint64_t id1 = mk_table(s, "t");
    struct ddb_map it = mk_item(&a, "k", -1, "x");
    const char *v;
    assert_int_equal(put(s, "t", id1, &it, 0), 0);
    assert_int_equal(get_v(s, "t", id1, &it, &a, &v), 0); /* known from here on */
    assert_int_equal(put(s, "t", id1, &it, 0), 0);
    struct store_snapshot *snap;
    assert_int_equal(store_snapshot_take(s, &snap), 0);
    assert_int_equal(store_ddb_table_delete(s, "t", &a, &got), 0);
    assert_int_equal(put(s, "t", id1, &it, 0), LY_ENOPARENT);
    assert_int_equal(get_v(s, "t", id1, &it, &a, &v), LY_ENOPARENT);
    uint64_t id2 = mk_table(s, "t");
    assert_int_equal(get_v(s, "t", id2, &it, &a, &v), 0);
    assert_null(v);
    assert_int_equal(put(s, "t", id1, &it, 0), LY_ENOPARENT);
    assert_int_equal(put(s, "t", id2, &it, 0), 0);
    store_read_at(s, snap); /* the table as it was: id1, with its item */
    assert_int_equal(get_v(s, "t", id1, &it, &a, &v), 0);
    assert_string_equal(v, "x");
    assert_int_equal(get_v(s, "t", id2, &it, &a, &v), LY_ENOPARENT);
    store_read_at(s, NULL);
    store_snapshot_free(s, snap);
    assert_int_equal(get_v(s, "t", id2, &it, &a, &v), 0);
    assert_int_equal(get_v(s, "t", id1, &it, &a, &v), LY_ENOPARENT);
    assert_int_equal(store_reset(s), 0);
    assert_int_equal(put(s, "t", id2, &it, 0), LY_ENOPARENT);
    assert_int_equal(get_v(s, "t", id2, &it, &a, &v), LY_ENOPARENT);
    /* item writes take no store sequence number (only tables and indexes have ids from it) */
    uint64_t id3 = mk_table(s, "t");
    assert_int_equal(put(s, "t", id3, &it, 0), 0);
    assert_int_equal(put(s, "t", id3, &it, 0), 0);
    assert_int_equal(mk_table(s, "u"), id3 + 1);
    ly_arena_cleanup(&a);
    store_close(s);
}

static int set_ttl(void *ctx, struct ly_arena *a, struct store_ddb_table *t)
{
    (void)a;
    t->ttl_attr = ctx;
    t->desc = "{\"ttl\":1}";
    t->desc_len = strlen(t->desc);
    return 0;
}

static void test_conditional_writes(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    uint64_t id = mk_table(s, "t");
    struct ddb_map one = mk_item(&a, "lock", -1, "one"), two = mk_item(&a, "lock", -1, "two");
    const char *v;
    assert_int_equal(put(s, "t", id, &one, 1), 0);
    assert_int_equal(put(s, "t", id, &two, 1), LY_ECOND);
    assert_int_equal(get_v(s, "t", id, &one, &a, &v), 0);
    assert_string_equal(v, "one");
    assert_int_equal(put(s, "t", id, &two, 0), 0);
    assert_int_equal(get_v(s, "t", id, &one, &a, &v), 0);
    assert_string_equal(v, "two");
    /* a transaction: one failing op means nothing is written, and every op is decided */
    struct ddb_map x = mk_item(&a, "x", -1, "x"), y = mk_item(&a, "lock", -1, "three");
    struct ly_buf kx, ky;
    ly_buf_init(&kx, 1 << 16);
    ly_buf_init(&ky, 1 << 16);
    enc_key(&x, &kx);
    enc_key(&y, &ky);
    struct put_ctx px = {&x, 1, 0}, py = {&y, 1, 0};
    struct store_ddb_op ops[2] = {{"t", id, kx.data, kx.len, decide_put, &px, 0},
                                  {"t", id, ky.data, ky.len, decide_put, &py, 0}};
    assert_int_equal(store_ddb_write(s, ops, 2, NULL, &a), LY_ECOND);
    assert_int_equal(ops[0].rc, 0);
    assert_int_equal(ops[1].rc, LY_ECOND);
    assert_int_equal(get_v(s, "t", id, &x, &a, &v), 0);
    assert_null(v);
    /* tokens: the same digest replays, another digest conflicts, expiry frees the token */
    unsigned char d1[4] = {1, 2, 3, 4}, d2[4] = {9, 9, 9, 9};
    struct store_ddb_token tok = {"tok", d1, 4, 1000, 600000};
    px.if_absent = py.if_absent = 0;
    assert_int_equal(store_ddb_write(s, ops, 2, &tok, &a), 0);
    assert_int_equal(store_ddb_write(s, ops, 2, &tok, &a), LY_EEXIST);
    tok.digest = d2;
    assert_int_equal(store_ddb_write(s, ops, 2, &tok, &a), LY_ECONFLICT);
    tok.now_ms = 1000 + 600001;
    assert_int_equal(store_ddb_write(s, ops, 2, &tok, &a), 0);
    struct store_ddb_op del = {"t", id, kx.data, kx.len, decide_delete, NULL, 0};
    assert_int_equal(store_ddb_write(s, &del, 1, NULL, &a), 0);
    assert_int_equal(get_v(s, "t", id, &x, &a, &v), 0);
    assert_null(v);
    ly_buf_cleanup(&kx);
    ly_buf_cleanup(&ky);
    ly_arena_cleanup(&a);
    store_close(s);
}

struct collect {
    long sks[64];
    size_t n;
    size_t stop_after;
};

static int visit_collect(void *ctx, const struct ddb_map *item)
{
    struct collect *c = ctx;
    const struct ddb_val *r = ddb_map_get(item, "sk", 2);
    int64_t x = -1;
    if (r)
        assert_true(ddb_num_to_i64(&r->u.num, &x));
    c->sks[c->n++] = (long)x;
    return c->stop_after && c->n >= c->stop_after;
}

static void test_scans(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    uint64_t id = mk_table(s, "t");
    static const long sks[] = {5, 100, 7, 0, 30, 2};
    for (size_t i = 0; i < 6; i++) {
        struct ddb_map it = mk_item(&a, "p", sks[i], "x");
        assert_int_equal(put(s, "t", id, &it, 0), 0);
        struct ddb_map other = mk_item(&a, i % 2 ? "o" : "q", sks[i], "y");
        assert_int_equal(put(s, "t", id, &other, 0), 0);
    }
    struct ly_buf pfx, start;
    ly_buf_init(&pfx, 1 << 16);
    ly_buf_init(&start, 1 << 16);
    struct ddb_val p = {.type = DDB_T_S};
    p.u.bytes.p = "p";
    p.u.bytes.len = 1;
    assert_int_equal(ddb_keycodec_append(&p, &pfx), 0);
    struct store_ddb_range r = {"t", id, pfx.data, pfx.len, NULL, 0, 0, 0, 0};
    struct collect c = {{0}, 0, 0};
    assert_int_equal(store_ddb_scan(s, &r, visit_collect, &c), 0);
    assert_int_equal(c.n, 6);
    static const long asc[] = {0, 2, 5, 7, 30, 100};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(c.sks[i], asc[i]);
    r.reverse = 1;
    c.n = 0;
    assert_int_equal(store_ddb_scan(s, &r, visit_collect, &c), 0);
    assert_int_equal(c.n, 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(c.sks[i], asc[5 - i]);
    /* start after (before, reverse) sk 7 */
    struct ddb_map k7 = mk_item(&a, "p", 7, "x");
    enc_key(&k7, &start);
    r.start = start.data;
    r.start_len = start.len;
    c.n = 0;
    assert_int_equal(store_ddb_scan(s, &r, visit_collect, &c), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.sks[0], 5);
    r.reverse = 0;
    c.n = 0;
    c.stop_after = 1;
    assert_int_equal(store_ddb_scan(s, &r, visit_collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.sks[0], 30);
    /* the whole table: 12 items */
    struct store_ddb_range all = {"t", id, NULL, 0, NULL, 0, 0, 0, 0};
    c.n = 0;
    c.stop_after = 0;
    assert_int_equal(store_ddb_scan(s, &all, visit_collect, &c), 0);
    assert_int_equal(c.n, 12);
    all.table = "nope";
    assert_int_equal(store_ddb_scan(s, &all, visit_collect, &c), LY_ENOPARENT);
    ly_buf_cleanup(&pfx);
    ly_buf_cleanup(&start);
    ly_arena_cleanup(&a);
    store_close(s);
}

static void test_long_keys(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    ly_arena_init(&a, 4 << 20);
    uint64_t id = mk_table(s, "t");
    char big[2049];
    memset(big, 'k', 2048);
    big[2048] = '\0';
    for (long i = 0; i < 10; i++) {
        char val[32];
        snprintf(val, sizeof val, "v%ld", i);
        struct ddb_map it = mk_item(&a, big, i, val);
        assert_int_equal(put(s, "t", id, &it, 1), 0);
        assert_int_equal(put(s, "t", id, &it, 1), LY_ECOND);
    }
    big[0] = 'j'; /* another long partition, differing in the first byte */
    struct ddb_map other = mk_item(&a, big, 3, "other");
    assert_int_equal(put(s, "t", id, &other, 1), 0);
    const char *v;
    assert_int_equal(get_v(s, "t", id, &other, &a, &v), 0);
    assert_string_equal(v, "other");
    big[0] = 'k';
    struct ddb_map k4 = mk_item(&a, big, 4, "");
    assert_int_equal(get_v(s, "t", id, &k4, &a, &v), 0);
    assert_string_equal(v, "v4");
    struct ly_buf pfx;
    ly_buf_init(&pfx, 1 << 16);
    assert_int_equal(ddb_keycodec_append(ddb_map_get(&k4, "pk", 2), &pfx), 0);
    struct store_ddb_range r = {"t", id, pfx.data, pfx.len, NULL, 0, 0, 0, 0};
    struct collect c = {{0}, 0, 0};
    assert_int_equal(store_ddb_scan(s, &r, visit_collect, &c), 0);
    assert_int_equal(c.n, 10); /* all of the partition; order among them is by hash */
    ly_buf_cleanup(&pfx);
    ly_arena_cleanup(&a);
    store_close(s);
}

static void test_ttl_sweep(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    uint64_t id = mk_table(s, "t");
    mk_table(s, "u"); /* TTL disabled: never swept */
    assert_int_equal(store_ddb_table_update(s, "t", &a, set_ttl, "exp"), 0);
    struct store_ddb_table t;
    assert_int_equal(store_ddb_table_get(s, "t", &a, &t), 0);
    assert_string_equal(t.ttl_attr, "exp");
    static const long exps[] = {100, 999, 1000, 1001, 5000};
    for (size_t i = 0; i < 5; i++) {
        struct ddb_map it = mk_item(&a, "p", (long)i, "x");
        struct ddb_val e = {.type = DDB_T_N};
        ddb_num_from_i64(exps[i] + (i == 0 ? -1000000000 : 0), &e.u.num);
        assert_int_equal(ddb_map_put(&a, &it, "exp", 3, &e, &it), 0);
        assert_int_equal(put(s, "t", id, &it, 0), 0);
    }
    size_t deleted;
    assert_int_equal(store_ddb_ttl_sweep(s, 1000, 100, &deleted), 0);
    assert_int_equal(deleted, 2); /* 999 and 1000; the 5-years-old one is ignored */
    uint64_t items, bytes;
    assert_int_equal(store_ddb_table_stats(s, id, &items, &bytes), 0);
    assert_int_equal(items, 3);
    assert_int_equal(store_ddb_ttl_sweep(s, 1000, 100, &deleted), 0);
    assert_int_equal(deleted, 0);
    ly_arena_cleanup(&a);
    store_close(s);
}

struct racer {
    struct store *s;
    uint64_t id;
    int won;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    struct ddb_map it = mk_item(&a, "lock", -1, "me");
    r->won = put(r->s, "t", r->id, &it, 1) == 0;
    ly_arena_cleanup(&a);
    return NULL;
}

static void test_one_winner(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    uint64_t id = mk_table(s, "t");
    for (int round = 0; round < 20; round++) {
        struct racer rs[8];
        pthread_t th[8];
        for (int i = 0; i < 8; i++) {
            rs[i] = (struct racer){s, id, 0};
            assert_int_equal(pthread_create(&th[i], NULL, race, &rs[i]), 0);
        }
        int wins = 0;
        for (int i = 0; i < 8; i++) {
            pthread_join(th[i], NULL);
            wins += rs[i].won;
        }
        assert_int_equal(wins, 1);
        struct ly_arena a;
        ly_arena_init(&a, 1 << 20);
        struct ddb_map k = mk_item(&a, "lock", -1, "");
        struct ly_buf kb;
        ly_buf_init(&kb, 1 << 16);
        enc_key(&k, &kb);
        struct store_ddb_op del = {"t", id, kb.data, kb.len, decide_delete, NULL, 0};
        assert_int_equal(store_ddb_write(s, &del, 1, NULL, &a), 0);
        ly_buf_cleanup(&kb);
        ly_arena_cleanup(&a);
    }
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_table_memo),
        cmocka_unit_test(test_conditional_writes),
        cmocka_unit_test(test_scans),
        cmocka_unit_test(test_long_keys),
        cmocka_unit_test(test_ttl_sweep),
        cmocka_unit_test(test_one_winner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
