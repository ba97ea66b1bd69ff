/*
 * store_s3.c - S3 buckets and objects in LMDB (see store.h).
 * Every public call opens and finishes its own transaction.
 */
#include "lockyard/store.h"
#include "lockyard/check.h"
#include "lockyard/checksum.h"
#include "lockyard/store_version.h"
#include "store_internal.h"
#include "store_record.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES_MAX STORE_KEY_BYTES_MAX
#define BUCKET_NAME_BYTES_MAX 63

/* ---- buckets ---- */

/* A bucket name longer than S3 allows can never have been created. */
static int bucket_name_ok(const char *bucket)
{
    size_t n = strlen(bucket);
    return n > 0 && n <= BUCKET_NAME_BYTES_MAX;
}


int store_bucket_exists(struct store *s, MDB_txn *txn, const char *bucket)
{
    if (!bucket_name_ok(bucket))
        return LY_ENOPARENT;
    MDB_val k = store_str_val(bucket), v;
    int rc = mdb_get(txn, s->buckets, &k, &v);
    return rc == MDB_NOTFOUND ? LY_ENOPARENT : store_map_rc(rc);
}

int store_bucket_create(struct store *s, const char *name, const char *region, int64_t now_ms)
{
    struct store_bucket b = {name, region, now_ms};
    struct ly_buf rec;
    ly_buf_init(&rec, 4096);
    int rc = record_bucket_encode(&b, &rec);
    MDB_txn *txn = NULL;
    if (!rc)
        rc = store_map_rc(mdb_txn_begin(s->env, NULL, 0, &txn));
    if (!rc) {
        MDB_val k = store_str_val(name), v = {rec.len, rec.data};
        rc = store_map_rc(mdb_put(txn, s->buckets, &k, &v, MDB_NOOVERWRITE));
    }
    if (!rc)
        rc = store_map_rc(mdb_txn_commit(txn));
    else if (txn)
        mdb_txn_abort(txn);
    ly_buf_cleanup(&rec);
    return rc;
}

int store_bucket_get(struct store *s, const char *name, struct ly_arena *a,
                     struct store_bucket *out)
{
    MDB_txn *txn;
    if (!bucket_name_ok(name))
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

/* Bytes of a key that its LMDB key holds verbatim whatever the key's length. */
static size_t key_exact_bytes(const struct store *s, size_t bucket_len)
{
    LY_ASSERT(bucket_len <= BUCKET_NAME_BYTES_MAX);
    return s->lmdb_key_bytes_max - (bucket_len + 1) - 1 - LY_KEY_HASH_BYTES;
}


/* Positions cur at the first object key of bucket (>= from, or a little before it when from
 * is long); 1 if one exists in the bucket. */
static int seek_bucket(struct store *s, MDB_cursor *cur, const char *bucket, const char *from,
                       MDB_val *k, MDB_val *v, char *buf)
{
    size_t bl = strlen(bucket), fl = from ? strlen(from) : 0;
    if (fl > key_exact_bytes(s, bl))
        fl = key_exact_bytes(s, bl);
    memcpy(buf, bucket, bl + 1);
    if (fl)
        memcpy(buf + bl + 1, from, fl);
    k->mv_size = bl + 1 + fl;
    k->mv_data = buf;
    if (mdb_cursor_get(cur, k, v, MDB_SET_RANGE) != 0)
        return 0;
    return k->mv_size > bl && memcmp(k->mv_data, buf, bl + 1) == 0;
}

int store_bucket_delete(struct store *s, const char *name)
{
    MDB_txn *txn;
    MDB_cursor *cur = NULL;
    int rc = store_map_rc(mdb_txn_begin(s->env, NULL, 0, &txn));
    if (rc)
        return rc;
    rc = store_bucket_exists(s, txn, name);
    if (!rc)
        rc = store_map_rc(mdb_cursor_open(txn, s->objects, &cur));
    if (!rc) {
        char buf[KEY_BYTES_MAX];
        MDB_val k, v;
        if (seek_bucket(s, cur, name, NULL, &k, &v, buf))
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
        return store_map_rc(mdb_txn_commit(txn));
    mdb_txn_abort(txn);
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

/* The LMDB key of an object into buf[KEY_BYTES_MAX]; *is_long when it is the hashed form. */
int store_obj_key(const struct store *s, const char *bucket, const char *key, char *buf,
                  MDB_val *k, int *is_long)
{
    size_t bl = strlen(bucket), kl = strlen(key);
    if (!bucket_name_ok(bucket))
        return LY_ENOPARENT;
    if (bl + 1 + kl > KEY_BYTES_MAX)
        return LY_ETOOBIG;
    memcpy(buf, bucket, bl + 1);
    *is_long = bl + 1 + kl > s->lmdb_key_bytes_max;
    if (!*is_long) {
        memcpy(buf + bl + 1, key, kl);
        k->mv_size = bl + 1 + kl;
    } else {
        size_t exact = key_exact_bytes(s, bl);
        if (ly_key_hash(key, kl, buf + bl + 2 + exact))
            return LY_ENOMEM;
        memcpy(buf + bl + 1, key, exact);
        buf[bl + 1 + exact] = '\0'; /* below every key byte: sorts where the key's tail would */
        k->mv_size = bl + 2 + exact + LY_KEY_HASH_BYTES;
    }
    k->mv_data = buf;
    return 0;
}

/* Reads the current object inside txn (cur_out->etag NULL when absent). */
int store_read_current(struct store *s, MDB_txn *txn, MDB_val *k, struct ly_arena *a,
                       struct store_obj *cur, int *exists)
{
    MDB_val v;
    int rc = mdb_get(txn, s->objects, k, &v);
    *exists = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return store_map_rc(rc);
    *exists = 1;
    return record_obj_decode(v.mv_data, v.mv_size, a, cur);
}

int store_run_check(struct store *s, MDB_txn *txn, MDB_val *k, store_check_fn check, void *ctx)
{
    if (!check)
        return 0;
    struct ly_arena a;
    struct store_obj cur;
    int exists;
    ly_arena_init(&a, 1 << 20);
    int rc = store_read_current(s, txn, k, &a, &cur, &exists);
    if (!rc)
        rc = check(ctx, exists && !(cur.flags & STORE_OBJ_DELETE_MARKER) ? &cur : NULL);
    ly_arena_cleanup(&a);
    return rc;
}

int store_obj_put(struct store *s, const char *bucket, const char *key, struct store_obj *obj,
                  const void *body, store_check_fn check, void *ctx)
{
    struct store_wkey wk;
    MDB_txn *txn = NULL;
    void *dst = NULL;
    wk.bucket = bucket;
    wk.key = key;
    int rc = store_obj_key(s, bucket, key, wk.buf, &wk.k, &wk.is_long);
    if (!rc)
        rc = store_map_rc(mdb_txn_begin(s->env, NULL, 0, &txn));
    if (!rc)
        rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = store_run_check(s, txn, &wk.k, check, ctx);
    if (!rc)
        rc = store_install_current(s, txn, &wk, obj, &dst);
    if (!rc && obj->size)
        memcpy(dst, body, obj->size);
    if (!rc)
        rc = store_map_rc(mdb_txn_commit(txn));
    else if (txn)
        mdb_txn_abort(txn);
    return rc;
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
        rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = store_read_current(s, txn, &k, a, out, &exists);
    if (!rc && !exists)
        out->flags = 0;
    if (!rc && (!exists || (out->flags & STORE_OBJ_DELETE_MARKER)))
        rc = LY_ENOENT;
    if (!rc && body) {
        rc = store_map_rc(mdb_get(txn, s->blobs, &k, &v));
        if (!rc && v.mv_size != out->size)
            rc = LY_EIO;
        if (!rc)
            rc = ly_buf_add(body, v.mv_data, v.mv_size);
    }
    if (txn)
        store_read_end(s, txn);
    return rc;
}

int store_obj_delete(struct store *s, const char *bucket, const char *key, store_check_fn check,
                     void *ctx)
{
    struct store_del_result res;
    return store_obj_delete_version(s, bucket, key, NULL, check, ctx, 0, &res);
}

/* The object key behind the LMDB key k of a bucket whose name is bl bytes, copied into a. */
static int list_key(struct store *s, MDB_txn *txn, MDB_val *k, size_t bl, struct ly_arena *a,
                    char **out)
{
    const char *kp = (const char *)k->mv_data + bl + 1;
    size_t kl = k->mv_size - bl - 1;
    MDB_val full = {kl, (void *)kp};
    if (memchr(kp, '\0', kl)) { /* the hashed form of a long key */
        int rc = mdb_get(txn, s->longkeys, k, &full);
        if (rc)
            return rc == MDB_NOTFOUND ? LY_EIO : store_map_rc(rc);
    }
    *out = ly_arena_strndup(a, full.mv_data, full.mv_size);
    return *out ? 0 : LY_ENOMEM;
}

int store_list_current(struct store *s, MDB_txn *txn, const char *bucket, const char *from,
                       const char *prefix, int with_markers, struct ly_arena *a,
                       store_list_fn fn, void *ctx)
{
    MDB_cursor *cur = NULL;
    char buf[KEY_BYTES_MAX];
    size_t bl = strlen(bucket), pl = prefix ? strlen(prefix) : 0;
    int rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = store_map_rc(mdb_cursor_open(txn, s->objects, &cur));
    if (rc)
        return rc;
    const char *start = from;
    if (prefix && (!from || strcmp(from, prefix) < 0))
        start = prefix;
    MDB_val k, v;
    int more = seek_bucket(s, cur, bucket, start, &k, &v, buf);
    size_t exact = key_exact_bytes(s, bl), pl_exact = pl < exact ? pl : exact;
    while (more && rc == 0) {
        const char *kp = (const char *)k.mv_data + bl + 1;
        size_t kl = k.mv_size - bl - 1;
        /* LMDB order is exact over a key's first `exact` bytes: past the prefix, stop. */
        if (pl_exact && (kl < pl_exact || memcmp(kp, prefix, pl_exact) != 0))
            break;
        struct store_obj obj;
        char *key = NULL;
        rc = list_key(s, txn, &k, bl, a, &key);
        if (!rc && pl > pl_exact && strncmp(key, prefix, pl) != 0)
            goto next; /* a long key sharing the first bytes but not the whole prefix */
        if (!rc)
            rc = record_obj_decode(v.mv_data, v.mv_size, a, &obj);
        if (!rc && (with_markers || !(obj.flags & STORE_OBJ_DELETE_MARKER)))
            rc = fn(ctx, key, &obj);
        if (rc == 1) {
            rc = 0;
            break;
        }
    next:
        more = mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0 && k.mv_size > bl &&
               memcmp(k.mv_data, bucket, bl + 1) == 0;
    }
    mdb_cursor_close(cur);
    return rc;
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
