/*
 * store_s3.c - S3 buckets and objects in LMDB (see store.h).
 * Every public call opens and finishes its own transaction.
 */
#include "lockyard/store.h"
#include "lockyard/check.h"
#include "lockyard/checksum.h"
#include "lockyard/store_version.h"
#include "lockyard/store_blob.h"
#include "store_internal.h"
#include "store_record.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES_MAX STORE_KEY_BYTES_MAX
/* ---- buckets ---- */

int store_bucket_create(struct store *s, const char *name, const char *region, int64_t now_ms)
{
    struct store_bucket b = {name, region, now_ms};
    struct ly_buf rec;
    ly_buf_init(&rec, 4096);
    int rc = record_bucket_encode(&b, &rec);
    MDB_txn *txn = NULL;
    if (!rc)
        rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (!rc) {
        MDB_val k = store_str_val(name), v = {rec.len, rec.data};
        rc = store_map_rc(mdb_put(txn, s->buckets, &k, &v, MDB_NOOVERWRITE));
    }
    if (!rc)
        rc = store_map_rc(store_wtxn_commit(s, txn));
    else if (txn)
        store_wtxn_abort(s, txn);
    ly_buf_cleanup(&rec);
    return rc;
}

int store_bucket_get(struct store *s, const char *name, struct ly_arena *a,
                     struct store_bucket *out)
{
    MDB_txn *txn;
    if (!store_bucket_name_ok(name))
        return LY_ENOENT;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    MDB_val k = store_str_val(name), v;
    rc = store_map_rc(mdb_get(txn, s->buckets, &k, &v));
    if (!rc)
        rc = record_bucket_decode(name, v.mv_data, v.mv_size, a, out);
    store_read_end(s, txn);
    return rc;
}

int store_bucket_delete(struct store *s, const char *name)
{
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    int rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (rc)
        return rc;
    store_blob_txn_begin(s); /* noncurrent versions may hold blobs */
    rc = store_bucket_exists(s, txn, name);
    if (!rc)
        rc = store_map_rc(mdb_cursor_open(txn, s->objects, &cur));
    if (!rc) {
        char buf[KEY_BYTES_MAX];
        MDB_val k, v;
        if (store_seek_bucket(s, cur, name, NULL, &k, &v, buf))
            rc = LY_ENOTEMPTY;
        mdb_cursor_close(cur);
    }
    if (!rc)
        rc = store_bucket_purge(s, txn, name);
    if (!rc) {
        MDB_val k = store_str_val(name);
        rc = store_map_rc(mdb_del(txn, s->buckets, &k, NULL));
    }
    if (!rc)
        return store_map_rc(store_wtxn_commit(s, txn));
    store_wtxn_abort(s, txn);
    return rc;
}

int store_bucket_list(struct store *s, struct ly_arena *a, struct store_bucket **out, size_t *n)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_stat st;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = store_map_rc(mdb_stat(txn, s->buckets, &st));
    if (!rc)
        rc = store_map_rc(mdb_cursor_open(txn, s->buckets, &cur));
    if (rc) {
        store_read_end(s, txn);
        return rc;
    }
    struct store_bucket *list = ly_arena_calloc(a, (st.ms_entries + 1) * sizeof *list);
    size_t count = 0;
    MDB_val k, v;
    rc = list ? 0 : LY_ENOMEM;
    for (int op = MDB_FIRST; !rc && count < st.ms_entries && mdb_cursor_get(cur, &k, &v, op) == 0;
         op = MDB_NEXT) {
        char *name = ly_arena_strndup(a, k.mv_data, k.mv_size);
        rc = name ? record_bucket_decode(name, v.mv_data, v.mv_size, a, &list[count]) : LY_ENOMEM;
        count += rc == 0;
    }
    mdb_cursor_close(cur);
    store_read_end(s, txn);
    *out = list;
    *n = count;
    return rc;
}

/* ---- objects ---- */

int store_obj_write(struct store *s, const char *bucket, const char *key, struct store_obj *obj,
                    const void *body, const struct store_write_hooks *h)
{
    struct store_wkey wk;
    MDB_txn *txn = NULL;
    void *dst = NULL;
    wk.bucket = bucket;
    wk.key = key;
    int rc = store_write_begin(s, &wk, h, &txn);
    if (!rc)
        rc = store_install_current(s, txn, &wk, obj, &dst);
    if (!rc && obj->size && !obj->blob)
        memcpy(dst, body, obj->size);
    if (!rc)
        rc = store_map_rc(store_wtxn_commit(s, txn));
    else if (txn)
        store_wtxn_abort(s, txn);
    return rc;
}

int store_obj_put(struct store *s, const char *bucket, const char *key, struct store_obj *obj,
                  const void *body, store_check_fn check, void *ctx)
{
    struct store_write_hooks h = {NULL, check, ctx};
    return store_obj_write(s, bucket, key, obj, body, &h);
}

int store_obj_get(struct store *s, const char *bucket, const char *key, struct ly_arena *a,
                  struct store_obj *out, struct ly_buf *body)
{
    char kbuf[KEY_BYTES_MAX];
    MDB_val k, v;
    MDB_txn *txn = NULL;
    int exists = 0, is_long;
    int rc = store_obj_key(s, bucket, key, kbuf, &k, &is_long);
    if (rc)
        return rc == LY_ETOOBIG ? LY_ENOENT : rc;
    rc = store_read_begin(s, &txn);
    if (!rc)
        rc = store_read_current(s, txn, &k, a, out, &exists);
    if (!rc && !exists) /* a bucket that holds an object exists: asked only without one */
        rc = store_bucket_exists(s, txn, bucket);
    if (!rc && !exists)
        out->flags = 0;
    enum store_versioning ver = STORE_VERSIONING_OFF;
    if (!rc && !(out->flags & STORE_OBJ_VERSIONED)) /* versioned: the bucket's state is moot */
        rc = store_versioning_txn(s, txn, bucket, &ver);
    out->bucket_versioning = (int)ver;
    if (!rc && (!exists || (out->flags & STORE_OBJ_DELETE_MARKER)))
        rc = LY_ENOENT;
    if (!rc && body) {
        rc = store_map_rc(mdb_get(txn, s->blobs, &k, &v));
        if (!rc && (out->flags & STORE_OBJ_BLOB)) { /* the body is a file: its id */
            out->blob = store_blob_slot_ok(v.mv_data, v.mv_size)
                            ? ly_arena_strndup(a, v.mv_data, v.mv_size)
                            : NULL;
            rc = out->blob ? 0 : LY_EIO;
        } else if (!rc && v.mv_size != out->size) {
            rc = LY_EIO;
        } else if (!rc) {
            rc = ly_buf_add(body, v.mv_data, v.mv_size);
        }
    }
    if (txn)
        store_read_end(s, txn);
    return rc;
}

int store_obj_delete(struct store *s, const char *bucket, const char *key, store_check_fn check,
                     void *ctx)
{
    struct store_del_result res;
    struct store_write_hooks h = {NULL, check, ctx};
    return store_obj_delete_version(s, bucket, key, NULL, &h, 0, &res);
}

int store_obj_list(struct store *s, const char *bucket, const char *from, const char *prefix,
                   struct ly_arena *a, store_list_fn fn, void *ctx)
{
    MDB_txn *txn;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = store_list_current(s, txn, bucket, from, prefix, 0, a, fn, ctx);
    store_read_end(s, txn);
    return rc;
}
