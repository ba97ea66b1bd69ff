/* test_store_ddb_index.c - secondary index entries kept by the store: the record round trip,
 * entries written, moved and deleted with their item in one transaction, sparse items,
 * projections, fetch_base, backfill and drop through store_ddb_table_update, TTL sweeps,
 * and DeleteTable leaving no entry behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lockyard/store_ddb.h"

static struct store *open_tmp(void)
{
    struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1u << 30};
    struct store *s = NULL;
    assert_int_equal(store_open(&o, &s), 0);
    return s;
}

static struct ddb_val str(struct ly_arena *a, const char *v)
{
    struct ddb_val x = {.type = DDB_T_S};
    x.u.bytes.p = ly_arena_strdup(a, v);
    x.u.bytes.len = strlen(v);
    return x;
}

/* {"pk": pk, "g": g (absent when NULL), "w": w (absent when NULL), "x": "payload"} */
static struct ddb_map item(struct ly_arena *a, const char *pk, const char *g, const char *w)
{
    struct ddb_map m = {NULL, 0};
    struct ddb_val v = str(a, pk);
    assert_int_equal(ddb_map_put(a, &m, "pk", 2, &v, &m), 0);
    if (g) {
        v = str(a, g);
        assert_int_equal(ddb_map_put(a, &m, "g", 1, &v, &m), 0);
    }
    if (w) {
        v = str(a, w);
        assert_int_equal(ddb_map_put(a, &m, "w", 1, &v, &m), 0);
    }
    v = str(a, "payload");
    assert_int_equal(ddb_map_put(a, &m, "x", 1, &v, &m), 0);
    return m;
}

static struct store_ddb_index gsi(const char *name, const char *attr, enum store_ddb_proj p)
{
    struct store_ddb_index ix = {0, name, true, {attr, DDB_T_S, NULL, DDB_T_NONE}, p, NULL, 0};
    return ix;
}

static uint64_t mk_table(struct store *s, struct store_ddb_index *ix, size_t n)
{
    struct store_ddb_table t = {.name = "tbl",
                                .ctime_ms = 1,
                                .desc = "{}",
                                .desc_len = 2,
                                .ks = {"pk", DDB_T_S, NULL, DDB_T_NONE},
                                .indexes = ix,
                                .nindexes = n};
    assert_int_equal(store_ddb_table_create(s, &t), 0);
    for (size_t i = 0; i < n; i++)
        assert_true(ix[i].id > 0 && ix[i].id != t.id);
    return t.id;
}

struct pc {
    const struct ddb_map *next;
};

static int decide(void *ctx, struct ly_arena *a, const struct ddb_map *cur,
                  enum store_ddb_action *act, const struct ddb_map **next)
{
    (void)a;
    (void)cur;
    struct pc *p = ctx;
    *act = p->next ? STORE_DDB_PUT : STORE_DDB_DELETE;
    *next = p->next;
    return 0;
}

static void write(struct store *s, uint64_t id, const char *pk, const struct ddb_map *next)
{
    struct ly_arena a;
    struct ly_buf k;
    ly_arena_init(&a, 1 << 20);
    ly_buf_init(&k, 1 << 12);
    struct ddb_val h = str(&a, pk);
    assert_int_equal(ddb_keycodec_encode(&h, NULL, &k), 0);
    struct pc p = {next};
    struct store_ddb_op op = {"tbl", id, k.data, k.len, decide, &p, 0};
    assert_int_equal(store_ddb_write(s, &op, 1, NULL, &a), 0);
    ly_buf_cleanup(&k);
    ly_arena_cleanup(&a);
}

struct seen {
    int n;
    size_t attrs;
    char pks[8][8];
};

static int visit(void *ctx, const struct ddb_map *m)
{
    struct seen *sn = ctx;
    const struct ddb_val *pk = ddb_map_get(m, "pk", 2);
    assert_non_null(pk);
    if (sn->n < 8)
        memcpy(sn->pks[sn->n], pk->u.bytes.p, pk->u.bytes.len < 7 ? pk->u.bytes.len + 1 : 7);
    sn->n++;
    sn->attrs = m->n;
    return 0;
}

/* Entries of index ix_id whose key is g (NULL: all), with fetch_base. */
static int scan_ix(struct store *s, uint64_t id, uint64_t ix_id, const char *g, int fetch,
                   struct seen *sn)
{
    struct ly_arena a;
    struct ly_buf p;
    ly_arena_init(&a, 1 << 16);
    ly_buf_init(&p, 1 << 12);
    memset(sn, 0, sizeof *sn);
    if (g) {
        struct ddb_val v = str(&a, g);
        assert_int_equal(ddb_keycodec_append(&v, &p), 0);
    }
    struct store_ddb_range r = {"tbl", id, g ? p.data : NULL, p.len, NULL, 0, 0, ix_id, fetch};
    int rc = store_ddb_scan(s, &r, visit, sn);
    ly_buf_cleanup(&p);
    ly_arena_cleanup(&a);
    return rc;
}

static void test_entries_follow_items(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    struct seen sn;
    uint64_t items, bytes;
    ly_arena_init(&a, 1 << 20);
    struct store_ddb_index ix[1] = {gsi("by-g", "g", STORE_DDB_PROJ_KEYS_ONLY)};
    uint64_t id = mk_table(s, ix, 1);
    struct ddb_map i1 = item(&a, "a", "red", NULL), i2 = item(&a, "b", "red", NULL);
    struct ddb_map i3 = item(&a, "c", NULL, NULL), i1b = item(&a, "a", "blue", NULL);
    write(s, id, "a", &i1);
    write(s, id, "b", &i2);
    write(s, id, "c", &i3); /* sparse: no g, no entry */
    assert_int_equal(scan_ix(s, id, ix[0].id, "red", 0, &sn), 0);
    assert_int_equal(sn.n, 2);
    assert_int_equal(sn.attrs, 2); /* KEYS_ONLY: pk and g */
    assert_string_equal(sn.pks[0], "a");
    write(s, id, "a", &i1b); /* the entry moves */
    assert_int_equal(scan_ix(s, id, ix[0].id, "red", 0, &sn), 0);
    assert_int_equal(sn.n, 1);
    assert_int_equal(scan_ix(s, id, ix[0].id, "blue", 1, &sn), 0);
    assert_int_equal(sn.n, 1);
    assert_int_equal(sn.attrs, 3); /* fetch_base: the table's item */
    write(s, id, "b", NULL);
    assert_int_equal(store_ddb_table_stats(s, ix[0].id, &items, &bytes), 0);
    assert_int_equal(items, 1);
    struct store_ddb_table got;
    assert_int_equal(store_ddb_table_get(s, "tbl", &a, &got), 0);
    assert_int_equal(got.nindexes, 1);
    assert_string_equal(got.indexes[0].name, "by-g");
    assert_int_equal(got.indexes[0].id, ix[0].id);
    assert_string_equal(got.ks.hash_name, "pk");
    assert_int_equal(store_ddb_table_delete(s, "tbl", &a, &got), 0);
    assert_int_equal(store_ddb_table_stats(s, ix[0].id, &items, &bytes), 0);
    assert_int_equal(items, 0);
    ly_arena_cleanup(&a);
    store_close(s);
}

struct change {
    struct store_ddb_index *add; /* NULL: drop index 0 */
};

static int change_fn(void *ctx, struct ly_arena *a, struct store_ddb_table *t)
{
    struct change *ch = ctx;
    if (!ch->add) {
        t->indexes++;
        t->nindexes--;
        return 0;
    }
    struct store_ddb_index *n = ly_arena_calloc(a, (t->nindexes + 1) * sizeof *n);
    memcpy(n, t->indexes, t->nindexes * sizeof *n);
    n[t->nindexes] = *ch->add;
    t->indexes = n;
    t->nindexes++;
    return 0;
}

static void test_backfill_and_drop(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    struct seen sn;
    uint64_t items, bytes;
    ly_arena_init(&a, 1 << 20);
    struct store_ddb_index ix[1] = {gsi("by-g", "g", STORE_DDB_PROJ_ALL)};
    uint64_t id = mk_table(s, ix, 1);
    for (int i = 0; i < 50; i++) {
        char pk[16];
        snprintf(pk, sizeof pk, "k%02d", i);
        struct ddb_map m = item(&a, pk, "g", i % 5 ? "w" : NULL);
        write(s, id, pk, &m);
    }
    const char *inc[] = {"x"};
    struct store_ddb_index w = gsi("by-w", "w", STORE_DDB_PROJ_INCLUDE);
    w.attrs = inc;
    w.nattrs = 1;
    struct change ch = {&w};
    assert_int_equal(store_ddb_table_update(s, "tbl", &a, change_fn, &ch), 0);
    struct store_ddb_table t;
    assert_int_equal(store_ddb_table_get(s, "tbl", &a, &t), 0);
    assert_int_equal(t.nindexes, 2);
    uint64_t wid = t.indexes[1].id;
    assert_int_equal(scan_ix(s, id, wid, "w", 0, &sn), 0);
    assert_int_equal(sn.n, 40);
    assert_int_equal(sn.attrs, 3); /* pk, w and the included x */
    struct change drop = {NULL};
    assert_int_equal(store_ddb_table_update(s, "tbl", &a, change_fn, &drop), 0);
    assert_int_equal(store_ddb_table_stats(s, ix[0].id, &items, &bytes), 0);
    assert_int_equal(items, 0);
    assert_int_equal(scan_ix(s, id, ix[0].id, NULL, 0, &sn), LY_ENOPARENT);
    assert_int_equal(scan_ix(s, id, wid, NULL, 0, &sn), 0);
    assert_int_equal(sn.n, 40);
    ly_arena_cleanup(&a);
    store_close(s);
}

static void test_ttl_sweep_drops_entries(void **state)
{
    (void)state;
    struct store *s = open_tmp();
    struct ly_arena a;
    struct seen sn;
    size_t deleted;
    ly_arena_init(&a, 1 << 20);
    struct store_ddb_index ix[1] = {gsi("by-g", "g", STORE_DDB_PROJ_ALL)};
    struct store_ddb_table t = {.name = "tbl",
                                .ctime_ms = 1,
                                .ttl_attr = "exp",
                                .desc = "{}",
                                .desc_len = 2,
                                .ks = {"pk", DDB_T_S, NULL, DDB_T_NONE},
                                .indexes = ix,
                                .nindexes = 1};
    assert_int_equal(store_ddb_table_create(s, &t), 0);
    for (int i = 0; i < 4; i++) {
        char pk[4] = {'k', (char)('0' + i), 0, 0};
        struct ddb_map m = item(&a, pk, "g", NULL);
        struct ddb_val e = {.type = DDB_T_N};
        ddb_num_from_i64(i < 3 ? 1000 : 999999999999, &e.u.num);
        assert_int_equal(ddb_map_put(&a, &m, "exp", 3, &e, &m), 0);
        write(s, t.id, pk, &m);
    }
    assert_int_equal(store_ddb_ttl_sweep(s, 2000, 100, &deleted), 0);
    assert_int_equal(deleted, 3);
    assert_int_equal(scan_ix(s, t.id, ix[0].id, "g", 0, &sn), 0);
    assert_int_equal(sn.n, 1);
    assert_string_equal(sn.pks[0], "k3");
    ly_arena_cleanup(&a);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_follow_items),
        cmocka_unit_test(test_backfill_and_drop),
        cmocka_unit_test(test_ttl_sweep_drops_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
