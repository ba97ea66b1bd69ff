/*
 * store_ddb_index.c - secondary index entries of DynamoDB tables (see store_ddb.h): the index
 * section of a table record, entry maintenance on every item write, backfill of a new index,
 * and dropping an index's entries.
 *
 * Index section (after the description of a table record):
 *   "LYX1" | key schema of the table | u32 count | per index:
 *   u64 id | str name | u8 global | key schema | u8 projection | u32 n | n * str attr
 * where str is u32 length + bytes and a key schema is str hash | u8 type | str range | u8 type
 * (an empty range name: none).
 */
#include "lockyard/check.h"
#include "store_ddb_int.h"

#include <string.h>

#define MAGIC "LYX1"

/* ---- record section ---- */

static int add_u32(struct ly_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    return ly_buf_add(b, p, 4);
}

static int add_str(struct ly_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    int rc = add_u32(b, (uint32_t)n);
    return rc ? rc : ly_buf_add(b, s ? s : "", n);
}

static int add_u8(struct ly_buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    return ly_buf_add(b, &c, 1);
}

static int add_ks(struct ly_buf *b, const struct ddb_key_schema *ks)
{
    int rc = add_str(b, ks->hash_name);
    if (!rc)
        rc = add_u8(b, (unsigned)ks->hash_type);
    if (!rc)
        rc = add_str(b, ks->range_name);
    if (!rc)
        rc = add_u8(b, ks->range_name ? (unsigned)ks->range_type : 0);
    return rc;
}

int sddb_idx_encode(const struct store_ddb_table *t, struct ly_buf *out)
{
    if (!t->nindexes)
        return 0;
    unsigned char id[8];
    int rc = ly_buf_add(out, MAGIC, 4);
    if (!rc)
        rc = add_ks(out, &t->ks);
    if (!rc)
        rc = add_u32(out, (uint32_t)t->nindexes);
    for (size_t i = 0; !rc && i < t->nindexes; i++) {
        const struct store_ddb_index *ix = &t->indexes[i];
        sddb_put_u64(id, ix->id);
        rc = ly_buf_add(out, id, 8);
        if (!rc)
            rc = add_str(out, ix->name);
        if (!rc)
            rc = add_u8(out, ix->global);
        if (!rc)
            rc = add_ks(out, &ix->ks);
        if (!rc)
            rc = add_u8(out, (unsigned)ix->proj);
        if (!rc)
            rc = add_u32(out, (uint32_t)ix->nattrs);
        for (size_t k = 0; !rc && k < ix->nattrs; k++)
            rc = add_str(out, ix->attrs[k]);
    }
    return rc;
}

struct rd {
    const unsigned char *p;
    size_t n;
    struct ly_arena *a;
    int bad;
};

static uint32_t rd_u32(struct rd *r)
{
    if (r->n < 4)
        return r->bad = 1, 0;
    uint32_t v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 |
                 r->p[3];
    r->p += 4;
    r->n -= 4;
    return v;
}

static unsigned rd_u8(struct rd *r)
{
    if (r->n < 1)
        return r->bad = 1, 0;
    r->n--;
    return *r->p++;
}

/* A string; NULL for the empty one (or on error, with r->bad set). */
static const char *rd_str(struct rd *r)
{
    uint32_t len = rd_u32(r);
    if (r->bad || len > r->n)
        return r->bad = 1, NULL;
    const char *s = len ? ly_arena_strndup(r->a, (const char *)r->p, len) : NULL;
    if (len && !s)
        r->bad = 2;
    r->p += len;
    r->n -= len;
    return s;
}

static void rd_ks(struct rd *r, struct ddb_key_schema *ks)
{
    ks->hash_name = rd_str(r);
    ks->hash_type = (enum ddb_type)rd_u8(r);
    ks->range_name = rd_str(r);
    ks->range_type = (enum ddb_type)rd_u8(r);
    if (!ks->hash_name)
        r->bad = r->bad ? r->bad : 1;
}

static void rd_index(struct rd *r, struct store_ddb_index *ix)
{
    if (r->n < 8) {
        r->bad = 1;
        return;
    }
    ix->id = sddb_get_u64(r->p);
    r->p += 8;
    r->n -= 8;
    ix->name = rd_str(r);
    ix->global = rd_u8(r) != 0;
    rd_ks(r, &ix->ks);
    ix->proj = (enum store_ddb_proj)rd_u8(r);
    ix->nattrs = rd_u32(r);
    if (r->bad || ix->nattrs > r->n / 4 || !ix->name)
        return (void)(r->bad = r->bad ? r->bad : 1);
    const char **attrs = ly_arena_calloc(r->a, (ix->nattrs + 1) * sizeof *attrs);
    if (!attrs)
        return (void)(r->bad = 2);
    for (size_t k = 0; !r->bad && k < ix->nattrs; k++)
        if (!(attrs[k] = rd_str(r)))
            r->bad = r->bad ? r->bad : 1;
    ix->attrs = attrs;
}

int sddb_idx_decode(const unsigned char *p, size_t n, struct ly_arena *a, struct store_ddb_table *t)
{
    struct rd r = {p, n, a, 0};
    t->indexes = NULL;
    t->nindexes = 0;
    if (n == 0)
        return 0;
    if (n < 4 || memcmp(p, MAGIC, 4) != 0)
        return LY_EIO;
    r.p += 4;
    r.n -= 4;
    rd_ks(&r, &t->ks);
    uint32_t cnt = rd_u32(&r);
    if (r.bad || cnt > r.n / 8)
        return r.bad == 2 ? LY_ENOMEM : LY_EIO;
    t->indexes = ly_arena_calloc(a, (cnt + 1) * sizeof *t->indexes);
    if (!t->indexes)
        return LY_ENOMEM;
    for (uint32_t i = 0; !r.bad && i < cnt; i++)
        rd_index(&r, &t->indexes[i]);
    if (r.bad || r.n)
        return r.bad == 2 ? LY_ENOMEM : LY_EIO;
    t->nindexes = cnt;
    return 0;
}

/* ---- entries ---- */

static const struct ddb_val *attr_of(const struct ddb_map *m, const char *name, enum ddb_type type)
{
    const struct ddb_val *v = name ? ddb_map_get(m, name, strlen(name)) : NULL;
    return v && v->type == type ? v : NULL;
}

/* The entry key of item in ix: 0 and *has 0 when the item is not in the (sparse) index. */
static int entry_key(const struct store_ddb_table *t, const struct store_ddb_index *ix,
                     const struct ddb_map *item, unsigned char *buf, MDB_val *k, int *has)
{
    const struct ddb_val *ih = attr_of(item, ix->ks.hash_name, ix->ks.hash_type);
    const struct ddb_val *ir = attr_of(item, ix->ks.range_name, ix->ks.range_type);
    const struct ddb_val *bh = attr_of(item, t->ks.hash_name, t->ks.hash_type);
    const struct ddb_val *br = attr_of(item, t->ks.range_name, t->ks.range_type);
    *has = 0;
    if (!ih || (ix->ks.range_name && !ir) || !bh || (t->ks.range_name && !br))
        return 0;
    if ((ih->type != DDB_T_N && ih->u.bytes.len == 0) ||
        (ir && ir->type != DDB_T_N && ir->u.bytes.len == 0))
        return 0; /* empty S/B values are never index keys */
    struct ly_buf b;
    ly_buf_init(&b, 2 * DDB_KEYCODEC_BYTES_MAX);
    int rc = ddb_keycodec_encode(ih, ir, &b);
    if (!rc)
        rc = ddb_keycodec_encode(bh, br, &b);
    if (!rc)
        rc = sddb_item_key(ix->id, b.data, b.len, buf, k);
    ly_buf_cleanup(&b);
    *has = rc == 0;
    return rc;
}

static bool named(const char *name, const char *a, const char *b, const char *c, const char *d)
{
    return (a && strcmp(name, a) == 0) || (b && strcmp(name, b) == 0) ||
           (c && strcmp(name, c) == 0) || (d && strcmp(name, d) == 0);
}

static bool projected(const struct store_ddb_table *t, const struct store_ddb_index *ix,
                      const char *name)
{
    if (ix->proj == STORE_DDB_PROJ_ALL ||
        named(name, t->ks.hash_name, t->ks.range_name, ix->ks.hash_name, ix->ks.range_name))
        return true;
    for (size_t i = 0; ix->proj == STORE_DDB_PROJ_INCLUDE && i < ix->nattrs; i++)
        if (strcmp(ix->attrs[i], name) == 0)
            return true;
    return false;
}

static int put_entry(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                     const struct store_ddb_index *ix, MDB_val *k, const struct ddb_map *item)
{
    struct ly_arena a;
    struct ddb_map m = {NULL, 0};
    struct ly_buf b;
    ly_arena_init(&a, 1u << 20);
    ly_buf_init(&b, 4u << 20);
    int rc = 0;
    if (ix->proj == STORE_DDB_PROJ_ALL) {
        m = *item;
    } else if (!(m.attrs = ly_arena_calloc(&a, (item->n + 1) * sizeof *m.attrs))) {
        rc = LY_ENOMEM;
    } else {
        for (size_t i = 0; i < item->n; i++)
            if (projected(t, ix, item->attrs[i].name))
                m.attrs[m.n++] = item->attrs[i];
    }
    if (!rc)
        rc = ddb_item_encode(&m, &b);
    if (!rc) {
        MDB_val v = {b.len, b.data};
        rc = store_map_rc(mdb_put(txn, s->ddb_items, k, &v, 0));
    }
    ly_buf_cleanup(&b);
    ly_arena_cleanup(&a);
    return rc;
}

static int update_one(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                      const struct store_ddb_index *ix, const struct ddb_map *old,
                      const struct ddb_map *item)
{
    unsigned char buf[SDDB_KEY_MAX];
    MDB_val k;
    int has = 0, rc = old ? entry_key(t, ix, old, buf, &k, &has) : 0;
    if (!rc && has) {
        rc = mdb_del(txn, s->ddb_items, &k, NULL);
        rc = rc == MDB_NOTFOUND ? 0 : store_map_rc(rc);
    }
    has = 0;
    if (!rc && item)
        rc = entry_key(t, ix, item, buf, &k, &has);
    if (!rc && has)
        rc = put_entry(s, txn, t, ix, &k, item);
    return rc;
}

int sddb_idx_update(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                    const struct ddb_map *old, const struct ddb_map *item)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < t->nindexes; i++)
        rc = update_one(s, txn, t, &t->indexes[i], old, item);
    return rc;
}

/* Collects the table's items first: the cursor is not kept across the index puts. */
static int backfill(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                    const struct store_ddb_index *ix)
{
    unsigned char p[SDDB_ID_BYTES], last[SDDB_KEY_MAX];
    size_t last_len = 0;
    int rc = 0, more = 1;
    sddb_put_u64(p, t->id);
    while (!rc && more) {
        MDB_cursor *cur;
        MDB_val k = {last_len ? last_len : SDDB_ID_BYTES, last_len ? last : p}, v;
        rc = store_map_rc(mdb_cursor_open(txn, s->ddb_items, &cur));
        if (rc)
            break;
        more = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0;
        if (more && last_len && k.mv_size == last_len && memcmp(k.mv_data, last, last_len) == 0)
            more = mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0;
        more = more && k.mv_size >= SDDB_ID_BYTES && memcmp(k.mv_data, p, SDDB_ID_BYTES) == 0;
        struct ly_arena a;
        struct ddb_map item;
        ly_arena_init(&a, SDDB_SCRATCH_BYTES);
        if (more) {
            LY_ASSERT(k.mv_size <= SDDB_KEY_MAX);
            memcpy(last, k.mv_data, k.mv_size);
            last_len = k.mv_size;
            rc = ddb_item_decode(&a, v.mv_data, v.mv_size, &item);
            rc = rc == LY_EINVAL ? LY_EIO : rc;
        }
        mdb_cursor_close(cur);
        if (!rc && more)
            rc = update_one(s, txn, t, ix, NULL, &item);
        ly_arena_cleanup(&a);
    }
    return rc;
}

static bool has_id(const struct store_ddb_table *t, uint64_t id)
{
    for (size_t i = 0; i < t->nindexes; i++)
        if (t->indexes[i].id == id)
            return true;
    return false;
}

int sddb_idx_reconcile(struct store *s, MDB_txn *txn, const struct store_ddb_table *before,
                       struct store_ddb_table *t)
{
    int rc = 0;
    for (size_t i = 0; !rc && before && i < before->nindexes; i++)
        if (!has_id(t, before->indexes[i].id))
            rc = sddb_delete_range(s, txn, before->indexes[i].id);
    for (size_t i = 0; !rc && i < t->nindexes; i++) {
        if (t->indexes[i].id)
            continue;
        rc = store_next_seq(s, txn, &t->indexes[i].id);
        if (!rc && before)
            rc = backfill(s, txn, t, &t->indexes[i]);
    }
    return rc;
}

int sddb_idx_drop_all(struct store *s, MDB_txn *txn, const struct store_ddb_table *t)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < t->nindexes; i++)
        rc = sddb_delete_range(s, txn, t->indexes[i].id);
    return rc;
}

int sddb_idx_base_item(struct store *s, MDB_txn *txn, const struct store_ddb_table *t,
                       const struct ddb_map *entry, struct ly_arena *a, struct ddb_map *out,
                       int *found)
{
    const struct ddb_val *h = attr_of(entry, t->ks.hash_name, t->ks.hash_type);
    const struct ddb_val *r = attr_of(entry, t->ks.range_name, t->ks.range_type);
    unsigned char buf[SDDB_KEY_MAX];
    MDB_val k, v;
    struct ly_buf b;
    *found = 0;
    if (!h || (t->ks.range_name && !r))
        return LY_EIO;
    ly_buf_init(&b, DDB_KEYCODEC_BYTES_MAX);
    int rc = ddb_keycodec_encode(h, r, &b);
    if (!rc)
        rc = sddb_item_key(t->id, b.data, b.len, buf, &k);
    ly_buf_cleanup(&b);
    if (rc)
        return rc;
    rc = mdb_get(txn, s->ddb_items, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return store_map_rc(rc);
    rc = ddb_item_decode(a, v.mv_data, v.mv_size, out);
    *found = rc == 0;
    return rc == LY_EINVAL ? LY_EIO : rc;
}
