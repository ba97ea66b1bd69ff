/*
 * store_version.c - bucket configuration, versioning and noncurrent versions (see
 * store_version.h). Noncurrent versions are stored under "bucket\0" + SHA-256(key)[0..16) +
 * big-endian ~seq (newest first), with the value u32 record length, record, body.
 */
#include "lockyard/store_version.h"
#include "lockyard/check.h"
#include "lockyard/checksum.h"
#include "lockyard/store_blob.h"
#include "store_internal.h"
#include "store_record.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HASH_BYTES LY_KEY_HASH_BYTES
#define VKEY_BYTES_MAX (64 + HASH_BYTES + 8)

/* ---- noncurrent versions ---- */

/* "bucket\0" + hash(key) into buf (the prefix of all of key's versions); returns its length. */
static size_t vkey_prefix(const char *bucket, const char *key, unsigned char *buf)
{
    size_t bl = strlen(bucket);
    memcpy(buf, bucket, bl + 1);
    if (ly_key_hash(key, strlen(key), buf + bl + 1))
        memset(buf + bl + 1, 0, HASH_BYTES); /* as before: only an allocation failure */
    return bl + 1 + HASH_BYTES;
}

static size_t vkey(const char *bucket, const char *key, uint64_t seq, unsigned char *buf)
{
    size_t n = vkey_prefix(bucket, key, buf);
    uint64_t inv = ~seq;
    for (int i = 0; i < 8; i++)
        buf[n + (size_t)i] = (unsigned char)(inv >> (56 - 8 * i));
    return n + 8;
}

/* The flags / seq of an object record through store_record.c (0 when it is not one). */
static uint32_t rec_flags(const MDB_val *rec)
{
    uint32_t f;
    uint64_t q;
    return record_obj_head(rec->mv_data, rec->mv_size, &f, &q) == 0 ? f : 0;
}

static uint64_t rec_seq(const MDB_val *rec)
{
    uint32_t f;
    uint64_t q;
    return record_obj_head(rec->mv_data, rec->mv_size, &f, &q) == 0 ? q : 0;
}

/* Moves the current version of wk (record cur) into the versions database. */
static int move_to_noncurrent(struct store *s, MDB_txn *txn, struct store_wkey *wk, MDB_val cur)
{
    unsigned char kb[VKEY_BYTES_MAX];
    MDB_val body = {0, NULL}, k = {vkey(wk->bucket, wk->key, rec_seq(&cur), kb), kb};
    int rc = 0;
    if (!(rec_flags(&cur) & STORE_OBJ_DELETE_MARKER))
        rc = store_map_rc(mdb_get(txn, s->blobs, &wk->k, &body));
    return rc ? rc : store_value_put(txn, s->versions, &k, &cur, &body, 1);
}

/* Positions c on the first version of (bucket, key); 1 when there is one. */
static int first_version(MDB_cursor *c, const unsigned char *prefix, size_t pl, MDB_val *k,
                         MDB_val *v, int op)
{
    if (op == MDB_SET_RANGE) {
        k->mv_data = (void *)prefix;
        k->mv_size = pl;
    }
    if (mdb_cursor_get(c, k, v, (MDB_cursor_op)op) != 0)
        return 0;
    return k->mv_size == pl + 8 && memcmp(k->mv_data, prefix, pl) == 0;
}

/* Finds a noncurrent version: seq > 0 by key, 0 (null) by scanning. Leaves c on it. */
static int find_noncurrent(struct store *s, MDB_txn *txn, const char *bucket, const char *key,
                           uint64_t seq, MDB_cursor **c, MDB_val *v)
{
    unsigned char kb[VKEY_BYTES_MAX];
    size_t pl = vkey_prefix(bucket, key, kb);
    MDB_val k, rec, body;
    int rc = store_map_rc(mdb_cursor_open(txn, s->versions, c));
    if (rc)
        return rc;
    if (seq) {
        k.mv_size = vkey(bucket, key, seq, kb);
        k.mv_data = kb;
        if (mdb_cursor_get(*c, &k, v, MDB_SET_KEY) != 0)
            return LY_ENOENT;
        rc = store_value_split(v, &rec, &body);
        return rc ? rc : (rec_flags(&rec) & STORE_OBJ_VERSIONED) ? 0 : LY_ENOENT;
    }
    for (int op = MDB_SET_RANGE; first_version(*c, kb, pl, &k, v, op); op = MDB_NEXT) {
        rc = store_value_split(v, &rec, &body);
        if (rc || !(rec_flags(&rec) & STORE_OBJ_VERSIONED))
            return rc;
    }
    return LY_ENOENT;
}

static int drop_null_noncurrent(struct store *s, MDB_txn *txn, struct store_wkey *wk)
{
    MDB_cursor *c = NULL;
    MDB_val v;
    MDB_val rec, body;
    int rc = find_noncurrent(s, txn, wk->bucket, wk->key, 0, &c, &v);
    if (!rc)
        rc = store_value_split(&v, &rec, &body);
    if (!rc)
        rc = store_blob_unref(s, txn, &rec, &body);
    if (!rc)
        rc = store_map_rc(mdb_cursor_del(c, 0));
    if (c)
        mdb_cursor_close(c);
    return rc == LY_ENOENT ? 0 : rc;
}

/* The current record of k is about to be replaced or removed (not kept as a version): its
 * blob, when it has one, is dropped. */
static int drop_current_blob(struct store *s, MDB_txn *txn, const MDB_val *k)
{
    MDB_val cur, body;
    MDB_val kk = *k;
    int rc = mdb_get(txn, s->objects, &kk, &cur);
    if (rc == MDB_NOTFOUND || (!rc && !(rec_flags(&cur) & STORE_OBJ_BLOB)))
        return 0;
    if (!rc)
        rc = mdb_get(txn, s->blobs, &kk, &body);
    return rc ? store_map_rc(rc) : store_blob_unref(s, txn, &cur, &body);
}

/* Takes the current version out of the way of a new one, as the versioning state says. */
static int retire_current(struct store *s, MDB_txn *txn, struct store_wkey *wk,
                          enum store_versioning ver, int *moved)
{
    MDB_val cur;
    *moved = 0;
    if (ver == STORE_VERSIONING_OFF)
        return 0;
    int rc = mdb_get(txn, s->objects, &wk->k, &cur);
    if (rc && rc != MDB_NOTFOUND)
        return store_map_rc(rc);
    if (ver == STORE_VERSIONING_SUSPENDED) {
        int r = drop_null_noncurrent(s, txn, wk);
        if (r)
            return r;
        if (rc == MDB_NOTFOUND || !(rec_flags(&cur) & STORE_OBJ_VERSIONED))
            return 0; /* nothing, or the null version that is about to be replaced */
        rc = mdb_get(txn, s->objects, &wk->k, &cur); /* the cursor deletion moved pages */
        if (rc)
            return store_map_rc(rc);
    }
    if (rc == MDB_NOTFOUND)
        return 0;
    *moved = 1;
    return move_to_noncurrent(s, txn, wk, cur);
}

/* The body slot of the new current version: room for its bytes, or its blob's id. */
static int put_body_slot(struct store *s, MDB_txn *txn, struct store_wkey *wk,
                         const struct store_obj *obj, void **body_out)
{
    *body_out = NULL;
    if (obj->flags & STORE_OBJ_DELETE_MARKER) {
        int r = mdb_del(txn, s->blobs, &wk->k, NULL);
        return r == MDB_NOTFOUND ? 0 : store_map_rc(r);
    }
    if (obj->flags & STORE_OBJ_BLOB) {
        MDB_val v = {strlen(obj->blob), (void *)obj->blob};
        int rc = store_blob_ref_slot(s, txn, obj->blob);
        return rc ? rc : store_map_rc(mdb_put(txn, s->blobs, &wk->k, &v, 0));
    }
    MDB_val v = {obj->size, NULL};
    int rc = store_map_rc(mdb_put(txn, s->blobs, &wk->k, &v, MDB_RESERVE));
    *body_out = v.mv_data;
    return rc;
}

int store_install_current(struct store *s, MDB_txn *txn, struct store_wkey *wk,
                          struct store_obj *obj, void **body_out)
{
    enum store_versioning ver;
    struct ly_buf rec;
    ly_buf_init(&rec, 1 << 20);
    int rc = store_versioning_txn(s, txn, wk->bucket, &ver);
    if (!rc)
        rc = store_next_seq(s, txn, &obj->seq);
    uint32_t dm = obj->flags & STORE_OBJ_DELETE_MARKER;
    obj->flags = dm | (ver == STORE_VERSIONING_ENABLED ? STORE_OBJ_VERSIONED : 0) |
                 (obj->blob && !dm ? STORE_OBJ_BLOB : 0);
    obj->bucket_versioning = (int)ver;
    int moved = 0;
    if (!rc)
        rc = retire_current(s, txn, wk, ver, &moved);
    if (!rc && !moved)
        rc = drop_current_blob(s, txn, &wk->k);
    if (!rc)
        rc = record_obj_encode(obj, &rec);
    if (!rc) {
        MDB_val v = {rec.len, rec.data};
        rc = store_map_rc(mdb_put(txn, s->objects, &wk->k, &v, 0));
    }
    if (!rc && wk->is_long) {
        MDB_val v = store_str_val(wk->key);
        rc = store_map_rc(mdb_put(txn, s->longkeys, &wk->k, &v, 0));
    }
    *body_out = NULL;
    if (!rc)
        rc = put_body_slot(s, txn, wk, obj, body_out);
    ly_buf_cleanup(&rec);
    return rc;
}

/* After the current version of wk was removed: the newest noncurrent one becomes current, or
 * the key goes away. */
static int promote_newest(struct store *s, MDB_txn *txn, struct store_wkey *wk)
{
    unsigned char kb[VKEY_BYTES_MAX];
    size_t pl = vkey_prefix(wk->bucket, wk->key, kb);
    MDB_cursor *c;
    MDB_val k, v, rec, body;
    int rc = drop_current_blob(s, txn, &wk->k);
    if (!rc)
        rc = store_map_rc(mdb_cursor_open(txn, s->versions, &c));
    if (rc)
        return rc;
    if (!first_version(c, kb, pl, &k, &v, MDB_SET_RANGE)) {
        mdb_cursor_close(c);
        int r = mdb_del(txn, s->objects, &wk->k, NULL);
        if (r == 0 || r == MDB_NOTFOUND)
            r = mdb_del(txn, s->blobs, &wk->k, NULL);
        if ((r == 0 || r == MDB_NOTFOUND) && wk->is_long)
            r = mdb_del(txn, s->longkeys, &wk->k, NULL);
        return r == MDB_NOTFOUND ? 0 : store_map_rc(r);
    }
    char *copy = malloc(v.mv_size ? v.mv_size : 1);
    rc = copy ? 0 : LY_ENOMEM;
    if (!rc) {
        memcpy(copy, v.mv_data, v.mv_size);
        MDB_val whole = {v.mv_size, copy};
        rc = store_value_split(&whole, &rec, &body);
    }
    if (!rc)
        rc = store_map_rc(mdb_cursor_del(c, 0));
    mdb_cursor_close(c);
    if (!rc)
        rc = store_map_rc(mdb_put(txn, s->objects, &wk->k, &rec, 0));
    if (!rc && !(rec_flags(&rec) & STORE_OBJ_DELETE_MARKER)) {
        rc = store_map_rc(mdb_put(txn, s->blobs, &wk->k, &body, 0));
    } else if (!rc) {
        int r = mdb_del(txn, s->blobs, &wk->k, NULL);
        rc = r == MDB_NOTFOUND ? 0 : store_map_rc(r);
    }
    free(copy);
    return rc;
}

/* Removes version seq (0 = null) of wk, current or not; *found / *was_marker describe it. */
static int remove_version(struct store *s, MDB_txn *txn, struct store_wkey *wk, uint64_t seq,
                          struct store_del_result *out)
{
    MDB_val cur;
    int rc = mdb_get(txn, s->objects, &wk->k, &cur);
    if (rc == MDB_NOTFOUND)
        return 0; /* no version of the key at all */
    if (rc)
        return store_map_rc(rc);
    uint32_t f = rec_flags(&cur);
    int is_cur = seq ? (f & STORE_OBJ_VERSIONED) && rec_seq(&cur) == seq
                     : !(f & STORE_OBJ_VERSIONED);
    if (is_cur) {
        out->deleted_marker = (f & STORE_OBJ_DELETE_MARKER) != 0;
        return promote_newest(s, txn, wk);
    }
    MDB_cursor *c = NULL;
    MDB_val v, rec, body;
    rc = find_noncurrent(s, txn, wk->bucket, wk->key, seq, &c, &v);
    if (!rc)
        rc = store_value_split(&v, &rec, &body);
    if (!rc) {
        out->deleted_marker = (rec_flags(&rec) & STORE_OBJ_DELETE_MARKER) != 0;
        rc = store_blob_unref(s, txn, &rec, &body);
    }
    if (!rc) {
        rc = store_map_rc(mdb_cursor_del(c, 0));
    }
    if (c)
        mdb_cursor_close(c);
    return rc == LY_ENOENT ? 0 : rc;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* DELETE without a version id: removes the key, or adds a delete marker. */
static int delete_current(struct store *s, MDB_txn *txn, struct store_wkey *wk, int64_t now_ms,
                          struct store_del_result *out)
{
    enum store_versioning ver;
    int rc = store_versioning_txn(s, txn, wk->bucket, &ver);
    if (!rc && ver == STORE_VERSIONING_OFF) {
        int r = drop_current_blob(s, txn, &wk->k) ? EIO : 0;
        if (r == 0)
            r = mdb_del(txn, s->objects, &wk->k, NULL);
        if (r == 0)
            r = mdb_del(txn, s->blobs, &wk->k, NULL);
        if (r == 0 && wk->is_long)
            r = mdb_del(txn, s->longkeys, &wk->k, NULL);
        rc = r == MDB_NOTFOUND ? 0 : store_map_rc(r);
        uint64_t seq;
        return rc ? rc : store_next_seq(s, txn, &seq);
    }
    struct store_obj dm;
    void *body;
    memset(&dm, 0, sizeof dm);
    dm.etag = "";
    dm.mtime_ms = now_ms;
    dm.flags = STORE_OBJ_DELETE_MARKER;
    if (!rc)
        rc = store_install_current(s, txn, wk, &dm, &body);
    out->marker_created = rc == 0;
    out->seq = dm.seq;
    out->flags = dm.flags;
    return rc;
}

int store_obj_delete_version(struct store *s, const char *bucket, const char *key,
                             const uint64_t *version, const struct store_write_hooks *h,
                             int64_t now_ms, struct store_del_result *out)
{
    struct store_wkey wk;
    MDB_txn *txn = NULL;
    memset(out, 0, sizeof *out);
    wk.bucket = bucket;
    wk.key = key;
    int rc = store_write_begin(s, &wk, h, &txn);
    if (!rc && !version) {
        rc = delete_current(s, txn, &wk, now_ms ? now_ms : wall_ms(), out);
    } else if (!rc) {
        out->seq = *version;
        out->flags = *version ? STORE_OBJ_VERSIONED : 0;
        rc = remove_version(s, txn, &wk, *version, out);
        uint64_t seq;
        if (!rc)
            rc = store_next_seq(s, txn, &seq);
    }
    if (!rc)
        rc = store_map_rc(store_wtxn_commit(s, txn));
    else if (txn)
        store_wtxn_abort(s, txn);
    return rc;
}

/* Decodes a record (and appends its body) into the caller's memory. */
static int copy_out(MDB_val *rec, MDB_val *bodyv, struct ly_arena *a, struct store_obj *out,
                    struct ly_buf *body)
{
    int rc = record_obj_decode(rec->mv_data, rec->mv_size, a, out);
    if (!rc && body && (out->flags & STORE_OBJ_BLOB)) {
        out->blob = store_blob_slot_ok(bodyv->mv_data, bodyv->mv_size)
                        ? ly_arena_strndup(a, bodyv->mv_data, bodyv->mv_size)
                        : NULL;
        rc = out->blob ? 0 : LY_EIO;
    } else if (!rc && body && !(out->flags & STORE_OBJ_DELETE_MARKER)) {
        if (bodyv->mv_size != out->size)
            return LY_EIO;
        rc = ly_buf_add(body, bodyv->mv_data, bodyv->mv_size);
    }
    return rc;
}

static int get_version_txn(struct store *s, MDB_txn *txn, struct store_wkey *wk, uint64_t seq,
                           struct ly_arena *a, struct store_obj *out, struct ly_buf *body)
{
    MDB_val cur, b = {0, NULL};
    int rc = store_bucket_exists(s, txn, wk->bucket);
    if (!rc)
        rc = store_map_rc(mdb_get(txn, s->objects, &wk->k, &cur));
    if (rc)
        return rc;
    uint32_t f = rec_flags(&cur);
    if (seq ? (f & STORE_OBJ_VERSIONED) && rec_seq(&cur) == seq : !(f & STORE_OBJ_VERSIONED)) {
        if (body && !(f & STORE_OBJ_DELETE_MARKER))
            rc = store_map_rc(mdb_get(txn, s->blobs, &wk->k, &b));
        return rc ? rc : copy_out(&cur, &b, a, out, body);
    }
    MDB_cursor *c = NULL;
    MDB_val v, rec;
    rc = find_noncurrent(s, txn, wk->bucket, wk->key, seq, &c, &v);
    if (!rc)
        rc = store_value_split(&v, &rec, &b);
    if (!rc)
        rc = copy_out(&rec, &b, a, out, body);
    if (c)
        mdb_cursor_close(c);
    return rc;
}

int store_obj_get_version(struct store *s, const char *bucket, const char *key, uint64_t version,
                          struct ly_arena *a, struct store_obj *out, struct ly_buf *body)
{
    struct store_wkey wk;
    MDB_txn *txn;
    wk.bucket = bucket;
    wk.key = key;
    int rc = store_obj_key(s, bucket, key, wk.buf, &wk.k, &wk.is_long);
    if (rc)
        return rc == LY_ETOOBIG ? LY_ENOENT : rc;
    rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = get_version_txn(s, txn, &wk, version, a, out, body);
    enum store_versioning ver = STORE_VERSIONING_OFF;
    if (!rc && !(out->flags & STORE_OBJ_VERSIONED))
        rc = store_versioning_txn(s, txn, bucket, &ver);
    if (!rc)
        out->bucket_versioning = (int)ver;
    store_read_end(s, txn);
    return rc;
}

struct vlist {
    struct store *s;
    MDB_txn *txn;
    const char *bucket;
    struct ly_arena *a;
    store_version_fn fn;
    void *ctx;
};

static int vlist_key(void *ctx, const char *key, const struct store_obj *obj)
{
    struct vlist *vl = ctx;
    unsigned char kb[VKEY_BYTES_MAX];
    size_t pl = vkey_prefix(vl->bucket, key, kb);
    MDB_cursor *c = NULL;
    MDB_val k, v, rec, body;
    int rc = vl->fn(vl->ctx, key, obj, 1);
    if (rc)
        return rc;
    rc = store_map_rc(mdb_cursor_open(vl->txn, vl->s->versions, &c));
    if (rc)
        return rc;
    for (int op = MDB_SET_RANGE; !rc && first_version(c, kb, pl, &k, &v, op); op = MDB_NEXT) {
        struct store_obj o;
        rc = store_value_split(&v, &rec, &body);
        if (!rc)
            rc = record_obj_decode(rec.mv_data, rec.mv_size, vl->a, &o);
        if (!rc)
            rc = vl->fn(vl->ctx, key, &o, 0);
    }
    mdb_cursor_close(c);
    return rc;
}

int store_version_list(struct store *s, const char *bucket, const char *from, const char *prefix,
                       struct ly_arena *a, store_version_fn fn, void *ctx)
{
    MDB_txn *txn;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    struct vlist vl = {s, txn, bucket, a, fn, ctx};
    rc = store_list_current(s, txn, bucket, from, prefix, 1, a, vlist_key, &vl);
    store_read_end(s, txn);
    return rc;
}

/* Removes every value of dbi under "bucket\0"; records (with_blobs) drop their blobs. */
static int purge_prefix(struct store *s, MDB_txn *txn, MDB_dbi dbi, const char *bucket,
                        int with_blobs)
{
    MDB_cursor *c = NULL;
    size_t bl = strlen(bucket) + 1;
    int rc = store_map_rc(mdb_cursor_open(txn, dbi, &c));
    while (!rc) {
        MDB_val k = {bl, (void *)bucket}, v;
        if (mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) != 0 || k.mv_size < bl ||
            memcmp(k.mv_data, bucket, bl) != 0)
            break;
        MDB_val rec, body;
        if (with_blobs && (rc = store_value_split(&v, &rec, &body)) == 0)
            rc = store_blob_unref(s, txn, &rec, &body);
        if (!rc)
            rc = store_map_rc(mdb_cursor_del(c, 0));
    }
    if (c)
        mdb_cursor_close(c);
    return rc;
}

int store_bucket_purge(struct store *s, MDB_txn *txn, const char *bucket)
{
    int rc = purge_prefix(s, txn, s->versions, bucket, 1);
    if (!rc)
        rc = purge_prefix(s, txn, s->uploads, bucket, 0);
    if (!rc)
        rc = purge_prefix(s, txn, s->parts, bucket, 1); /* a part may be a blob */
    if (!rc)
        rc = purge_prefix(s, txn, s->bconf, bucket, 0);
    return rc;
}
