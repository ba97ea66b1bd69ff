/*
 * store_key.c - what every S3 store file shares: bucket existence, the LMDB key of an object
 * (with the hashed form of long keys), reading the current record, running a write's check
 * callback, and walking a bucket's current objects in key order. Used by store_s3.c,
 * store_version.c and store_multipart.c; uses none of them.
 */
#include "lockyard/check.h"
#include "lockyard/checksum.h"
#include "store_internal.h"
#include "store_record.h"

#include <lmdb.h>
#include <string.h>

#define KEY_BYTES_MAX STORE_KEY_BYTES_MAX
#define BUCKET_NAME_BYTES_MAX 63

/* A bucket name longer than S3 allows can never have been created. */
int store_bucket_name_ok(const char *bucket)
{
    size_t n = strlen(bucket);
    return n > 0 && n <= BUCKET_NAME_BYTES_MAX;
}

int store_bucket_exists(struct store *s, MDB_txn *txn, const char *bucket)
{
    if (!store_bucket_name_ok(bucket))
        return LY_ENOPARENT;
    MDB_val k = store_str_val(bucket), v;
    int rc = mdb_get(txn, s->buckets, &k, &v);
    return rc == MDB_NOTFOUND ? LY_ENOPARENT : store_map_rc(rc);
}

/* Bytes of a key that its LMDB key holds verbatim whatever the key's length. */
static size_t key_exact_bytes(const struct store *s, size_t bucket_len)
{
    LY_ASSERT(bucket_len <= BUCKET_NAME_BYTES_MAX);
    return s->lmdb_key_bytes_max - (bucket_len + 1) - 1 - LY_KEY_HASH_BYTES;
}

/* Positions cur at the first object key of bucket (>= from, or a little before it when from
 * is long); 1 if one exists in the bucket. */
int store_seek_bucket(struct store *s, MDB_cursor *cur, const char *bucket, const char *from,
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

/* The LMDB key of an object into buf[KEY_BYTES_MAX]; *is_long when it is the hashed form. */
int store_obj_key(const struct store *s, const char *bucket, const char *key, char *buf, MDB_val *k,
                  int *is_long)
{
    size_t bl = strlen(bucket), kl = strlen(key);
    if (!store_bucket_name_ok(bucket))
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
                       const char *prefix, int with_markers, struct ly_arena *a, store_list_fn fn,
                       void *ctx)
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
    int more = store_seek_bucket(s, cur, bucket, start, &k, &v, buf);
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
