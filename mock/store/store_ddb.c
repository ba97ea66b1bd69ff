/*
 * store_ddb.c - DynamoDB tables and items in LMDB (see store_ddb.h).
 * Every public call opens and finishes its own transaction.
 */
#include "lockyard/store_ddb.h"
#include "lockyard/check.h"
#include "store_ddb_int.h"

#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#define ID_BYTES SDDB_ID_BYTES
#define HASH_BYTES SDDB_HASH_BYTES
#define LMDB_KEY_MAX SDDB_KEY_MAX
#define TTL_OLDEST_S (5LL * 366 * 86400) /* DynamoDB ignores TTL values older than 5 years */
#define SCRATCH_BYTES SDDB_SCRATCH_BYTES

/* ---- table records: id u64 | ctime i64 | ttl_len u32 | ttl | desc_len u32 | desc
 *      [| index section, see store_ddb_index.c] ---- */

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static int table_encode(const struct store_ddb_table *t, struct ly_buf *out)
{
    unsigned char h[20], dl[4];
    size_t tl = t->ttl_attr ? strlen(t->ttl_attr) : 0;
    LY_ASSERT(tl < 65536 && t->desc_len < (1u << 30));
    sddb_put_u64(h, t->id);
    sddb_put_u64(h + 8, (uint64_t)t->ctime_ms);
    put_u32(h + 16, (uint32_t)tl);
    put_u32(dl, (uint32_t)t->desc_len);
    int rc = ly_buf_add(out, h, sizeof h);
    if (!rc && tl)
        rc = ly_buf_add(out, t->ttl_attr, tl);
    if (!rc)
        rc = ly_buf_add(out, dl, sizeof dl);
    if (!rc)
        rc = ly_buf_add(out, t->desc, t->desc_len);
    if (!rc)
        rc = sddb_idx_encode(t, out);
    return rc;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int table_decode(const char *name, size_t name_len, const MDB_val *v, struct ly_arena *a,
                        struct store_ddb_table *t)
{
    const unsigned char *p = v->mv_data;
    size_t n = v->mv_size;
    memset(t, 0, sizeof *t);
    if (n < 24)
        return LY_EIO;
    t->id = sddb_get_u64(p);
    t->ctime_ms = (int64_t)sddb_get_u64(p + 8);
    uint32_t tl = get_u32(p + 16);
    if (tl > n - 24)
        return LY_EIO;
    uint32_t dl = get_u32(p + 20 + tl);
    if (dl > n - 24 - tl)
        return LY_EIO;
    t->name = ly_arena_strndup(a, name, name_len);
    t->ttl_attr = tl ? ly_arena_strndup(a, (const char *)p + 20, tl) : NULL;
    t->desc = ly_arena_strndup(a, (const char *)p + 24 + tl, dl);
    t->desc_len = dl;
    if (!t->name || (tl && !t->ttl_attr) || !t->desc)
        return LY_ENOMEM;
    return sddb_idx_decode(p + 24 + tl + dl, n - 24 - tl - dl, a, t);
}

static int table_read(struct store *s, MDB_txn *txn, const char *name, struct ly_arena *a,
                      struct store_ddb_table *t)
{
    MDB_val k = store_str_val(name), v;
    int rc = mdb_get(txn, s->ddb_tables, &k, &v);
    if (rc)
        return store_map_rc(rc);
    return table_decode(name, strlen(name), &v, a, t);
}

static int table_write(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                       unsigned flags)
{
    struct ly_buf rec;
    ly_buf_init(&rec, 16u << 20);
    int rc = table_encode(t, &rec);
    if (!rc) {
        MDB_val k = store_str_val(t->name), v = {rec.len, rec.data};
        rc = store_map_rc(mdb_put(txn, s->ddb_tables, &k, &v, flags));
    }
    ly_buf_cleanup(&rec);
    return rc;
}

static int txn_finish(struct store *s, MDB_txn *txn, int rc)
{
    if (!txn)
        return rc;
    if (rc) {
        store_wtxn_abort(s, txn);
        return rc;
    }
    return store_map_rc(store_wtxn_commit(s, txn));
}

/* After a table record's transaction, committed or not: what was read of the tables before is
 * to be read again (store_ddb_tables_gen). */
static int tables_changed(struct store *s, int rc)
{
    s->ddb_tables_gen++;
    return rc;
}

uint64_t store_ddb_tables_gen(const struct store *s)
{
    return s->read_at ? 0 : s->ddb_tables_gen + 1;
}

int store_ddb_table_create(struct store *s, struct store_ddb_table *t)
{
    MDB_txn *txn = NULL;
    int rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (!rc)
        rc = store_next_seq(s, txn, &t->id);
    if (!rc)
        rc = sddb_idx_reconcile(s, txn, NULL, t);
    if (!rc)
        rc = table_write(s, txn, t, MDB_NOOVERWRITE);
    return tables_changed(s, txn_finish(s, txn, rc));
}

int store_ddb_table_get(struct store *s, const char *name, struct ly_arena *a,
                        struct store_ddb_table *out)
{
    MDB_txn *txn;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = table_read(s, txn, name, a, out);
    store_read_end(s, txn);
    return rc;
}

int store_ddb_table_update(struct store *s, const char *name, struct ly_arena *a,
                           store_ddb_table_fn fn, void *ctx)
{
    MDB_txn *txn = NULL;
    struct store_ddb_table t, before;
    int rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (!rc)
        rc = table_read(s, txn, name, a, &t);
    before = t;
    if (!rc && t.nindexes) { /* fn may rewrite the array in place */
        before.indexes = ly_arena_memdup(a, t.indexes, t.nindexes * sizeof *t.indexes);
        rc = before.indexes ? 0 : LY_ENOMEM;
    }
    if (!rc)
        rc = fn(ctx, a, &t);
    if (!rc) {
        LY_ASSERT(t.name && strcmp(t.name, name) == 0 && t.desc);
        rc = sddb_idx_reconcile(s, txn, &before, &t);
    }
    if (!rc)
        rc = table_write(s, txn, &t, 0);
    return tables_changed(s, txn_finish(s, txn, rc));
}

/* Positions cur at the first item key >= start within prefix p[0..pl); 1 if found. */
int store_ddb_table_delete(struct store *s, const char *name, struct ly_arena *a,
                           struct store_ddb_table *out)
{
    MDB_txn *txn = NULL;
    int rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (!rc)
        rc = table_read(s, txn, name, a, out);
    if (!rc)
        rc = sddb_delete_range(s, txn, out->id);
    if (!rc)
        rc = sddb_idx_drop_all(s, txn, out);
    if (!rc) {
        MDB_val k = store_str_val(name);
        rc = store_map_rc(mdb_del(txn, s->ddb_tables, &k, NULL));
    }
    return tables_changed(s, txn_finish(s, txn, rc));
}

int store_ddb_table_list(struct store *s, const char *after, size_t limit, struct ly_arena *a,
                         const char ***names, size_t *n, int *more)
{
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    const char **list = ly_arena_calloc(a, (limit + 1) * sizeof *list);
    size_t count = 0;
    *more = 0;
    int rc = list ? store_read_begin(s, &txn) : LY_ENOMEM;
    if (rc)
        return rc;
    rc = store_map_rc(mdb_cursor_open(txn, s->ddb_tables, &cur));
    int op = MDB_FIRST;
    if (!rc && after) {
        k = store_str_val(after);
        op = MDB_SET_RANGE;
    }
    for (; !rc && mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
        if (after && op == MDB_SET_RANGE && k.mv_size == strlen(after) &&
            memcmp(k.mv_data, after, k.mv_size) == 0)
            continue;
        if (count == limit) {
            *more = 1;
            break;
        }
        list[count] = ly_arena_strndup(a, k.mv_data, k.mv_size);
        rc = list[count++] ? 0 : LY_ENOMEM;
    }
    if (cur)
        mdb_cursor_close(cur);
    store_read_end(s, txn);
    *names = list;
    *n = count;
    return rc;
}

int store_ddb_table_stats(struct store *s, uint64_t table_id, uint64_t *items, uint64_t *bytes)
{
    unsigned char p[ID_BYTES];
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    MDB_val k, v;
    *items = *bytes = 0;
    sddb_put_u64(p, table_id);
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = store_map_rc(mdb_cursor_open(txn, s->ddb_items, &cur));
    int more = !rc && sddb_seek_prefix(cur, p, ID_BYTES, NULL, 0, &k, &v);
    while (more) {
        (*items)++;
        *bytes += v.mv_size;
        more = mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0 && k.mv_size >= ID_BYTES &&
               memcmp(k.mv_data, p, ID_BYTES) == 0;
    }
    if (cur)
        mdb_cursor_close(cur);
    store_read_end(s, txn);
    return rc;
}

/* ---- items ---- */

/* The tables read under the current generation: an item call finds its table's id (and that it
 * has no indexes) without reading the table record again. Never under a snapshot. */
static struct store_ddb_memo *memo_find(struct store *s, const char *name)
{
    uint64_t gen = store_ddb_tables_gen(s);
    for (unsigned i = 0; gen && i < STORE_DDB_MEMOS; i++)
        if (s->ddb_memo[i].gen == gen && strcmp(s->ddb_memo[i].name, name) == 0)
            return &s->ddb_memo[i];
    return NULL;
}

static void memo_keep(struct store *s, const char *name, uint64_t id, int plain)
{
    uint64_t gen = store_ddb_tables_gen(s);
    size_t len = strlen(name);
    if (!gen || len >= sizeof s->ddb_memo[0].name)
        return;
    struct store_ddb_memo *m = memo_find(s, name);
    if (!m) {
        m = &s->ddb_memo[s->ddb_memo_next];
        s->ddb_memo_next = (s->ddb_memo_next + 1) % STORE_DDB_MEMOS;
    }
    m->gen = gen;
    m->id = id;
    m->plain = plain;
    memcpy(m->name, name, len + 1);
}

/* The table must exist under the id the caller looked up. */
static int table_check(struct store *s, MDB_txn *txn, const char *name, uint64_t id)
{
    const struct store_ddb_memo *m = memo_find(s, name);
    if (m)
        return m->id == id ? 0 : LY_ENOPARENT;
    MDB_val k = store_str_val(name), v;
    int rc = mdb_get(txn, s->ddb_tables, &k, &v);
    if (rc == MDB_NOTFOUND)
        return LY_ENOPARENT;
    if (rc)
        return store_map_rc(rc);
    if (v.mv_size < ID_BYTES)
        return LY_EIO;
    memo_keep(s, name, sddb_get_u64(v.mv_data), 0);
    return sddb_get_u64(v.mv_data) == id ? 0 : LY_ENOPARENT;
}

/* table_check, with the whole record (indexes included) decoded into a; for a table known to
 * have no indexes only its name and id (no description). */
static int table_load(struct store *s, MDB_txn *txn, const char *name, uint64_t id,
                      struct ly_arena *a, struct store_ddb_table *t)
{
    const struct store_ddb_memo *m = memo_find(s, name);
    if (m && m->plain) {
        memset(t, 0, sizeof *t);
        t->name = ly_arena_strdup(a, name);
        t->id = m->id;
        return !t->name ? LY_ENOMEM : m->id == id ? 0 : LY_ENOPARENT;
    }
    int rc = table_read(s, txn, name, a, t);
    if (rc == LY_ENOENT)
        return LY_ENOPARENT;
    if (!rc)
        memo_keep(s, name, t->id, t->nindexes == 0);
    return rc ? rc : t->id == id ? 0 : LY_ENOPARENT;
}

static int item_read(struct store *s, MDB_txn *txn, MDB_val *k, struct ly_arena *a,
                     struct ddb_map *out, int *found)
{
    MDB_val v;
    int rc = mdb_get(txn, s->ddb_items, k, &v);
    *found = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return store_map_rc(rc);
    rc = ddb_item_decode(a, v.mv_data, v.mv_size, out);
    if (rc == LY_EINVAL)
        return LY_EIO; /* a corrupt record */
    *found = rc == 0;
    return rc;
}

/* Token record: expiry i64 | digest. */
static int token_check(struct store *s, MDB_txn *txn, const struct store_ddb_token *tok)
{
    MDB_val k = store_str_val(tok->token), v;
    int rc = mdb_get(txn, s->ddb_tokens, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return store_map_rc(rc);
    if (v.mv_size < 8)
        return LY_EIO;
    if ((int64_t)sddb_get_u64(v.mv_data) <= tok->now_ms)
        return 0; /* expired: the token may be used again */
    if (v.mv_size - 8 == tok->digest_len &&
        memcmp((const unsigned char *)v.mv_data + 8, tok->digest, tok->digest_len) == 0)
        return LY_EEXIST;
    return LY_ECONFLICT;
}

static int token_record(struct store *s, MDB_txn *txn, const struct store_ddb_token *tok)
{
    unsigned char rec[8 + 64];
    LY_ASSERT(tok->digest_len <= 64);
    sddb_put_u64(rec, (uint64_t)(tok->now_ms + tok->ttl_ms));
    memcpy(rec + 8, tok->digest, tok->digest_len);
    MDB_val k = store_str_val(tok->token), v = {8 + tok->digest_len, rec};
    return store_map_rc(mdb_put(txn, s->ddb_tokens, &k, &v, 0));
}

struct planned {
    unsigned char kbuf[LMDB_KEY_MAX];
    MDB_val k;
    enum store_ddb_action act;
    const struct ddb_map *next;
    const struct ddb_map *cur; /* the item before (NULL: absent), for the index entries */
    struct store_ddb_table t;  /* the table record, with its indexes */
};

/* Runs one op's decide against its current item; a missing table fails only this op. */
static int plan_op(struct store *s, MDB_txn *txn, struct store_ddb_op *op, struct planned *pl,
                   struct ly_arena *a)
{
    struct ddb_map *cur = ly_arena_alloc(a, sizeof *cur); /* decide may keep it */
    int found = 0;
    pl->act = STORE_DDB_KEEP;
    pl->next = NULL;
    pl->cur = NULL;
    int rc = cur ? table_load(s, txn, op->table, op->table_id, a, &pl->t) : LY_ENOMEM;
    if (!rc)
        rc = sddb_item_key(op->table_id, op->key, op->key_len, pl->kbuf, &pl->k);
    if (!rc)
        rc = item_read(s, txn, &pl->k, a, cur, &found);
    if (rc == LY_ENOPARENT)
        return op->rc = rc, 0;
    if (rc)
        return rc;
    pl->cur = found ? cur : NULL;
    op->rc = op->decide(op->ctx, a, pl->cur, &pl->act, &pl->next);
    LY_ASSERT(op->rc || pl->act != STORE_DDB_PUT || pl->next);
    return 0;
}

static int apply_op(struct store *s, MDB_txn *txn, struct planned *pl)
{
    if (pl->act == STORE_DDB_DELETE) {
        int rc = mdb_del(txn, s->ddb_items, &pl->k, NULL);
        rc = rc == MDB_NOTFOUND ? 0 : store_map_rc(rc);
        return rc || !pl->cur ? rc : sddb_idx_update(s, txn, &pl->t, pl->cur, NULL);
    }
    if (pl->act != STORE_DDB_PUT)
        return 0;
    struct ly_buf b;
    ly_buf_init(&b, 4u << 20);
    int rc = ddb_item_encode(pl->next, &b);
    if (!rc) {
        MDB_val v = {b.len, b.data};
        rc = store_map_rc(mdb_put(txn, s->ddb_items, &pl->k, &v, 0));
    }
    ly_buf_cleanup(&b);
    return rc ? rc : sddb_idx_update(s, txn, &pl->t, pl->cur, pl->next);
}

int store_ddb_write(struct store *s, struct store_ddb_op *ops, size_t n,
                    const struct store_ddb_token *tok, struct ly_arena *a)
{
    MDB_txn *txn = NULL;
    for (size_t i = 0; i < n; i++)
        LY_ASSERT(ops[i].table && ops[i].decide);
    /* every field is set by plan_op before apply_op reads it (no clearing of the key buffers) */
    struct planned *pl = ly_arena_alloc(a, (n ? n : 1) * sizeof *pl);
    int rc = pl ? store_map_rc(store_wtxn_begin(s, &txn)) : LY_ENOMEM;
    if (!rc && tok)
        rc = token_check(s, txn, tok);
    for (size_t i = 0; !rc && i < n; i++)
        rc = plan_op(s, txn, &ops[i], &pl[i], a);
    for (size_t i = 0; !rc && i < n; i++)
        rc = ops[i].rc;
    for (size_t i = 0; !rc && i < n; i++)
        rc = apply_op(s, txn, &pl[i]);
    if (!rc && tok)
        rc = token_record(s, txn, tok);
    /* no store sequence number taken: an item has none (ids come from it: tables, indexes) */
    return txn_finish(s, txn, rc);
}

int store_ddb_get(struct store *s, struct store_ddb_get *gets, size_t n, struct ly_arena *a)
{
    MDB_txn *txn = NULL;
    int rc = store_read_begin(s, &txn), first = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        unsigned char kbuf[LMDB_KEY_MAX];
        MDB_val k;
        struct store_ddb_get *g = &gets[i];
        g->found = 0;
        g->rc = table_check(s, txn, g->table, g->table_id);
        if (!g->rc)
            g->rc = sddb_item_key(g->table_id, g->key, g->key_len, kbuf, &k);
        if (!g->rc)
            g->rc = item_read(s, txn, &k, a, &g->item, &g->found);
        if (g->rc && g->rc != LY_ENOPARENT)
            rc = g->rc;
        else if (g->rc && !first)
            first = g->rc;
    }
    if (txn)
        store_read_end(s, txn);
    return rc ? rc : first;
}

/* ---- scans ---- */

struct range_keys {
    unsigned char prefix[LMDB_KEY_MAX];
    size_t pl;
    unsigned char start[LMDB_KEY_MAX];
    MDB_val sk; /* sk.mv_data NULL when there is no start key */
    unsigned char succ[LMDB_KEY_MAX];
    size_t succ_len; /* 0 when the prefix has no successor */
};

static int range_keys_init(const struct store_ddb_range *r, struct range_keys *rk)
{
    size_t pl = r->prefix ? r->prefix_len : 0;
    if (pl > STORE_DDB_KEY_EXACT_BYTES)
        pl = STORE_DDB_KEY_EXACT_BYTES; /* long partitions share a range (see the header) */
    uint64_t id = r->index_id ? r->index_id : r->table_id;
    sddb_put_u64(rk->prefix, id);
    if (pl)
        memcpy(rk->prefix + ID_BYTES, r->prefix, pl);
    rk->pl = ID_BYTES + pl;
    rk->sk.mv_data = NULL;
    if (r->start) {
        int rc = sddb_item_key(id, r->start, r->start_len, rk->start, &rk->sk);
        if (rc)
            return rc;
    }
    memcpy(rk->succ, rk->prefix, rk->pl);
    rk->succ_len = rk->pl;
    while (rk->succ_len && rk->succ[rk->succ_len - 1] == 0xFF)
        rk->succ_len--;
    if (rk->succ_len)
        rk->succ[rk->succ_len - 1]++;
    return 0;
}

static int key_cmp(const void *a, size_t al, const void *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Positions cur on the first key to visit; 1 if there is one (not yet checked for prefix). */
static int range_first(MDB_cursor *cur, const struct range_keys *rk, int reverse, MDB_val *k,
                       MDB_val *v)
{
    if (!reverse) {
        int from_start = rk->sk.mv_data &&
                         key_cmp(rk->sk.mv_data, rk->sk.mv_size, rk->prefix, rk->pl) > 0;
        *k = from_start ? rk->sk : (MDB_val){rk->pl, (void *)rk->prefix};
        if (mdb_cursor_get(cur, k, v, MDB_SET_RANGE) != 0)
            return 0;
        if (from_start && key_cmp(k->mv_data, k->mv_size, rk->sk.mv_data, rk->sk.mv_size) == 0)
            return mdb_cursor_get(cur, k, v, MDB_NEXT) == 0;
        return 1;
    }
    MDB_val seek = {rk->succ_len, (void *)rk->succ};
    if (rk->sk.mv_data &&
        (!rk->succ_len || key_cmp(rk->sk.mv_data, rk->sk.mv_size, rk->succ, rk->succ_len) < 0))
        seek = rk->sk;
    else if (!rk->succ_len)
        return mdb_cursor_get(cur, k, v, MDB_LAST) == 0;
    *k = seek;
    if (mdb_cursor_get(cur, k, v, MDB_SET_RANGE) != 0)
        return mdb_cursor_get(cur, k, v, MDB_LAST) == 0;
    return mdb_cursor_get(cur, k, v, MDB_PREV) == 0;
}

struct scan_ctx {
    struct store *s;
    MDB_txn *txn;
    const struct store_ddb_table *t; /* with fetch_base */
    store_ddb_visit_fn fn;
    void *ctx;
};

/* Decodes one visited value (and, for fetch_base, reads the table's item behind it). */
static int visit_one(struct scan_ctx *sc, const MDB_val *v)
{
    struct ly_arena a;
    struct ddb_map item, full;
    int found = 1;
    ly_arena_init(&a, SCRATCH_BYTES);
    int rc = ddb_item_decode(&a, v->mv_data, v->mv_size, &item);
    if (rc == LY_EINVAL)
        rc = LY_EIO;
    if (!rc && sc->t) {
        rc = sddb_idx_base_item(sc->s, sc->txn, sc->t, &item, &a, &full, &found);
        item = full;
    }
    if (!rc && found)
        rc = sc->fn(sc->ctx, &item);
    ly_arena_cleanup(&a);
    return rc;
}

static int visit_range(MDB_cursor *cur, const struct store_ddb_range *r,
                       const struct range_keys *rk, struct scan_ctx *sc)
{
    MDB_val k, v;
    int rc = 0, more = range_first(cur, rk, r->reverse, &k, &v);
    while (more && !rc) {
        if (k.mv_size < rk->pl || memcmp(k.mv_data, rk->prefix, rk->pl) != 0)
            break;
        rc = visit_one(sc, &v);
        if (rc == 1)
            return 0;
        more = mdb_cursor_get(cur, &k, &v, r->reverse ? MDB_PREV : MDB_NEXT) == 0;
    }
    return rc;
}

/* The table must be r's, and r's index (if any) one of its indexes. */
static int scan_check(struct store *s, MDB_txn *txn, const struct store_ddb_range *r,
                      struct ly_arena *a, struct store_ddb_table *t)
{
    if (!r->index_id)
        return table_check(s, txn, r->table, r->table_id);
    int rc = table_load(s, txn, r->table, r->table_id, a, t);
    for (size_t i = 0; !rc && i < t->nindexes; i++)
        if (t->indexes[i].id == r->index_id)
            return 0;
    return rc ? rc : LY_ENOPARENT;
}

int store_ddb_scan(struct store *s, const struct store_ddb_range *r, store_ddb_visit_fn fn,
                   void *ctx)
{
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    struct ly_arena a;
    struct store_ddb_table t;
    struct range_keys *rk = malloc(sizeof *rk);
    int rc = rk ? range_keys_init(r, rk) : LY_ENOMEM;
    if (rc) {
        free(rk);
        return rc;
    }
    ly_arena_init(&a, 1u << 20);
    rc = store_read_begin(s, &txn);
    if (!rc) {
        struct scan_ctx sc = {s, txn, r->index_id && r->fetch_base ? &t : NULL, fn, ctx};
        rc = scan_check(s, txn, r, &a, &t);
        if (!rc)
            rc = store_map_rc(mdb_cursor_open(txn, s->ddb_items, &cur));
        if (!rc)
            rc = visit_range(cur, r, rk, &sc);
        if (cur)
            mdb_cursor_close(cur);
        store_read_end(s, txn);
    }
    ly_arena_cleanup(&a);
    free(rk);
    return rc;
}

/* ---- TTL ---- */

/* True if item's attribute attr is a Number of epoch seconds in (now - 5 years, now]. */
static int ttl_expired(const struct ddb_map *item, const char *attr, int64_t now_s)
{
    const struct ddb_val *v = ddb_map_get(item, attr, strlen(attr));
    if (!v || v->type != DDB_T_N)
        return 0;
    struct ddb_num now;
    ddb_num_from_i64(now_s, &now);
    if (ddb_num_cmp(&v->u.num, &now) > 0)
        return 0;
    ddb_num_from_i64(now_s - TTL_OLDEST_S, &now);
    return ddb_num_cmp(&v->u.num, &now) >= 0;
}

/* Deletes the item under cursor cur (decoded as item) with its index entries; re-seeks. */
static int sweep_delete(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                        MDB_cursor *cur, MDB_val *k, MDB_val *v, const struct ddb_map *item)
{
    unsigned char kb[LMDB_KEY_MAX];
    LY_ASSERT(k->mv_size <= LMDB_KEY_MAX);
    memcpy(kb, k->mv_data, k->mv_size);
    k->mv_data = kb; /* re-seek after the delete: the next key >= the deleted one */
    int rc = store_map_rc(mdb_cursor_del(cur, 0));
    if (!rc)
        rc = sddb_idx_update(s, txn, t, item, NULL);
    if (rc)
        return rc;
    return mdb_cursor_get(cur, k, v, MDB_SET_RANGE) == 0 ? 1 : 0;
}

static int sweep_table(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                       int64_t now_s, size_t max, size_t *deleted)
{
    unsigned char p[ID_BYTES];
    MDB_cursor *cur;
    MDB_val k, v;
    sddb_put_u64(p, t->id);
    int rc = store_map_rc(mdb_cursor_open(txn, s->ddb_items, &cur));
    int more = !rc && sddb_seek_prefix(cur, p, ID_BYTES, NULL, 0, &k, &v);
    while (!rc && more && *deleted < max) {
        struct ly_arena a;
        struct ddb_map item;
        int del = 0;
        ly_arena_init(&a, SCRATCH_BYTES);
        if (ddb_item_decode(&a, v.mv_data, v.mv_size, &item) == 0)
            del = ttl_expired(&item, t->ttl_attr, now_s);
        if (del) {
            more = sweep_delete(s, txn, t, cur, &k, &v, &item);
            rc = more < 0 ? more : 0;
            (*deleted)++;
        } else {
            more = mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0;
        }
        ly_arena_cleanup(&a);
        more = more > 0 && k.mv_size >= ID_BYTES && memcmp(k.mv_data, p, ID_BYTES) == 0;
    }
    mdb_cursor_close(cur);
    return rc;
}

int store_ddb_ttl_sweep(struct store *s, int64_t now_s, size_t max_deletes, size_t *deleted)
{
    MDB_txn *txn = NULL;
    MDB_cursor *tc = NULL;
    MDB_val k, v;
    *deleted = 0;
    int rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (!rc)
        rc = store_map_rc(mdb_cursor_open(txn, s->ddb_tables, &tc));
    for (int op = MDB_FIRST; !rc && mdb_cursor_get(tc, &k, &v, op) == 0; op = MDB_NEXT) {
        struct ly_arena a;
        struct store_ddb_table t;
        ly_arena_init(&a, 1u << 20);
        rc = table_decode(k.mv_data, k.mv_size, &v, &a, &t);
        if (!rc && t.ttl_attr)
            rc = sweep_table(s, txn, &t, now_s, max_deletes, deleted);
        ly_arena_cleanup(&a);
    }
    if (tc)
        mdb_cursor_close(tc);
    if (!rc && *deleted == 0 && txn) {
        store_wtxn_abort(s, txn); /* nothing to commit */
        return 0;
    }
    return txn_finish(s, txn, rc);
}
