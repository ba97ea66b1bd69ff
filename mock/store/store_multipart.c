/*
 * store_multipart.c - multipart uploads and their parts (see store_multipart.h).
 * Uploads: "bucket\0uploadId" -> upload record. Parts: "bucket\0uploadId\0" + be32 number ->
 * u32 record length, part record (an object record), body.
 */
#include "lockyard/store_multipart.h"
#include "lockyard/check.h"
#include "lockyard/mpu.h"
#include "store_internal.h"
#include "store_mpu_done.h"
#include "store_record.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#define UKEY_BYTES_MAX (64 + S3_UPLOAD_ID_LEN + 1 + 4)

static size_t ukey(const char *bucket, const char *upload_id, unsigned char *buf)
{
    size_t bl = strlen(bucket) + 1, ul = strlen(upload_id);
    LY_ASSERT(bl <= 64); /* bucket names are at most 63 bytes (checked by the S3 handlers) */
    if (ul > S3_UPLOAD_ID_LEN)
        ul = S3_UPLOAD_ID_LEN; /* longer ids are never stored: the lookup just misses */
    memcpy(buf, bucket, bl);
    memcpy(buf + bl, upload_id, ul);
    return bl + ul;
}

static size_t pkey(const char *bucket, const char *upload_id, long number, unsigned char *buf)
{
    size_t n = ukey(bucket, upload_id, buf);
    buf[n++] = '\0';
    for (int i = 0; i < 4; i++)
        buf[n++] = (unsigned char)((uint32_t)number >> (24 - 8 * i));
    return n;
}

static int upload_read(struct store *s, MDB_txn *txn, const char *bucket, const char *upload_id,
                       struct ly_arena *a, struct store_upload *u)
{
    unsigned char kb[UKEY_BYTES_MAX];
    MDB_val k = {ukey(bucket, upload_id, kb), kb}, v;
    int rc = store_bucket_exists(s, txn, bucket);
    if (!rc && upload_id[0] == STORE_MPU_DONE_MARK)
        rc = LY_ENOENT; /* the namespace of completed-upload records, never an upload */
    if (!rc)
        rc = store_map_rc(mdb_get(txn, s->uploads, &k, &v));
    if (!rc)
        rc = record_upload_decode(v.mv_data, v.mv_size, a, u);
    if (!rc)
        u->upload_id = ly_arena_strdup(a, upload_id);
    return rc;
}

int store_upload_create(struct store *s, const char *bucket, struct store_upload *u,
                        struct ly_arena *a)
{
    struct store_wkey wk;
    struct ly_buf rec;
    MDB_txn *txn = NULL;
    char id[S3_UPLOAD_ID_LEN + 1];
    ly_buf_init(&rec, 1 << 20);
    int rc = store_obj_key(s, bucket, u->key, wk.buf, &wk.k, &wk.is_long);
    if (!rc)
        rc = store_map_rc(mdb_txn_begin(s->env, NULL, 0, &txn));
    if (!rc)
        rc = store_bucket_exists(s, txn, bucket);
    if (!rc) {
        struct ly_arena tmp;
        struct store_obj cur;
        int exists;
        ly_arena_init(&tmp, 1 << 20);
        rc = store_read_current(s, txn, &wk.k, &tmp, &cur, &exists);
        u->init_seq = !rc && exists && !(cur.flags & STORE_OBJ_DELETE_MARKER) ? cur.seq : 0;
        ly_arena_cleanup(&tmp);
    }
    if (!rc)
        rc = store_next_seq(s, txn, &u->seq);
    if (!rc) {
        s3_upload_id_format(u->seq, id);
        u->upload_id = ly_arena_strdup(a, id);
        rc = u->upload_id ? record_upload_encode(u, &rec) : LY_ENOMEM;
    }
    if (!rc) {
        unsigned char kb[UKEY_BYTES_MAX];
        MDB_val k = {ukey(bucket, id, kb), kb}, v = {rec.len, rec.data};
        rc = store_map_rc(mdb_put(txn, s->uploads, &k, &v, MDB_NOOVERWRITE));
    }
    if (!rc)
        rc = store_map_rc(mdb_txn_commit(txn));
    else if (txn)
        mdb_txn_abort(txn);
    ly_buf_cleanup(&rec);
    return rc;
}

int store_upload_get(struct store *s, const char *bucket, const char *upload_id, struct ly_arena *a,
                     struct store_upload *out)
{
    MDB_txn *txn;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = upload_read(s, txn, bucket, upload_id, a, out);
    store_read_end(s, txn);
    return rc;
}

/* Visits the uploads of bucket: fn(ctx, i, value); returns the count in *n. */
static int upload_scan(struct store *s, MDB_txn *txn, const char *bucket, struct ly_arena *a,
                       struct store_upload *list, size_t *n)
{
    MDB_cursor *c = NULL;
    size_t bl = strlen(bucket) + 1, count = 0;
    MDB_val k = {bl, (void *)bucket}, v;
    int rc = store_map_rc(mdb_cursor_open(txn, s->uploads, &c));
    for (int op = MDB_SET_RANGE; !rc && mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op) == 0;
         op = MDB_NEXT) {
        if (k.mv_size <= bl || memcmp(k.mv_data, bucket, bl) != 0)
            break;
        if (((const char *)k.mv_data)[bl] == STORE_MPU_DONE_MARK)
            continue; /* a completed upload's record */
        if (list) {
            rc = record_upload_decode(v.mv_data, v.mv_size, a, &list[count]);
            if (!rc) {
                list[count].upload_id =
                    ly_arena_strndup(a, (const char *)k.mv_data + bl, k.mv_size - bl);
                rc = list[count].upload_id ? 0 : LY_ENOMEM;
            }
        }
        count++;
    }
    if (c)
        mdb_cursor_close(c);
    *n = count;
    return rc;
}

int store_upload_list(struct store *s, const char *bucket, struct ly_arena *a,
                      struct store_upload **out, size_t *n)
{
    MDB_txn *txn;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = upload_scan(s, txn, bucket, a, NULL, n);
    if (!rc) {
        *out = ly_arena_calloc(a, (*n + 1) * sizeof **out);
        rc = *out ? upload_scan(s, txn, bucket, a, *out, n) : LY_ENOMEM;
    }
    store_read_end(s, txn);
    return rc;
}

/* Deletes an upload record and all its parts inside txn. */
static int upload_remove(struct store *s, MDB_txn *txn, const char *bucket, const char *upload_id)
{
    unsigned char kb[UKEY_BYTES_MAX];
    MDB_val k = {ukey(bucket, upload_id, kb), kb}, v;
    int rc = store_map_rc(mdb_del(txn, s->uploads, &k, NULL));
    MDB_cursor *c = NULL;
    size_t pl = k.mv_size + 1;
    kb[k.mv_size] = '\0';
    if (!rc)
        rc = store_map_rc(mdb_cursor_open(txn, s->parts, &c));
    while (!rc) {
        MDB_val pk = {pl, kb};
        if (mdb_cursor_get(c, &pk, &v, MDB_SET_RANGE) != 0 || pk.mv_size != pl + 4 ||
            memcmp(pk.mv_data, kb, pl) != 0)
            break;
        rc = store_map_rc(mdb_cursor_del(c, 0));
    }
    if (c)
        mdb_cursor_close(c);
    return rc;
}

int store_upload_abort(struct store *s, const char *bucket, const char *upload_id)
{
    MDB_txn *txn;
    int rc = store_map_rc(mdb_txn_begin(s->env, NULL, 0, &txn));
    if (rc)
        return rc;
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = upload_remove(s, txn, bucket, upload_id);
    if (!rc)
        return store_map_rc(mdb_txn_commit(txn));
    mdb_txn_abort(txn);
    return rc;
}

int store_part_put(struct store *s, const char *bucket, const char *key, const char *upload_id,
                   long number, struct store_obj *part, const void *body)
{
    struct ly_arena a;
    struct store_upload u;
    struct ly_buf rec;
    MDB_txn *txn;
    ly_arena_init(&a, 1 << 20);
    ly_buf_init(&rec, 1 << 20);
    int rc = store_map_rc(mdb_txn_begin(s->env, NULL, 0, &txn));
    if (rc)
        goto out;
    rc = upload_read(s, txn, bucket, upload_id, &a, &u);
    if (!rc && strcmp(u.key, key) != 0)
        rc = LY_ENOENT;
    if (!rc)
        rc = store_next_seq(s, txn, &part->seq);
    if (!rc)
        rc = record_obj_encode(part, &rec);
    if (!rc) {
        unsigned char kb[UKEY_BYTES_MAX];
        MDB_val k = {pkey(bucket, upload_id, number, kb), kb};
        MDB_val r = {rec.len, rec.data}, b = {part->size, (void *)body};
        rc = store_value_put(txn, s->parts, &k, &r, &b, 0);
    }
    if (!rc)
        rc = store_map_rc(mdb_txn_commit(txn));
    else
        mdb_txn_abort(txn);
out:
    ly_buf_cleanup(&rec);
    ly_arena_cleanup(&a);
    return rc;
}

int store_part_list(struct store *s, const char *bucket, const char *upload_id, long after,
                    struct ly_arena *a, store_part_fn fn, void *ctx)
{
    MDB_txn *txn;
    MDB_cursor *c = NULL;
    struct store_upload u;
    unsigned char kb[UKEY_BYTES_MAX];
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = upload_read(s, txn, bucket, upload_id, a, &u);
    size_t kl = pkey(bucket, upload_id, after + 1, kb), pl = kl - 4;
    MDB_val k = {kl, kb}, v, rec, body;
    if (!rc)
        rc = store_map_rc(mdb_cursor_open(txn, s->parts, &c));
    for (int op = MDB_SET_RANGE; !rc && mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op) == 0;
         op = MDB_NEXT) {
        if (k.mv_size != pl + 4 || memcmp(k.mv_data, kb, pl) != 0)
            break;
        const unsigned char *nb = (const unsigned char *)k.mv_data + pl;
        long number =
            (long)((uint32_t)nb[0] << 24 | (uint32_t)nb[1] << 16 | (uint32_t)nb[2] << 8 | nb[3]);
        struct store_obj part;
        rc = store_value_split(&v, &rec, &body);
        if (!rc)
            rc = record_obj_decode(rec.mv_data, rec.mv_size, a, &part);
        if (!rc)
            rc = fn(ctx, number, &part);
    }
    if (c)
        mdb_cursor_close(c);
    store_read_end(s, txn);
    return rc == 1 ? 0 : rc;
}

/* Reads the listed parts' metadata (NULL for a part that was never uploaded). */
static int parts_read(struct store *s, MDB_txn *txn, const char *bucket, const char *upload_id,
                      const long *numbers, size_t n, struct ly_arena *a,
                      const struct store_obj **parts, const void **bodies)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char kb[UKEY_BYTES_MAX];
        MDB_val k = {pkey(bucket, upload_id, numbers[i], kb), kb}, v, rec, body;
        struct store_obj *p = ly_arena_calloc(a, sizeof *p);
        int rc = p ? mdb_get(txn, s->parts, &k, &v) : ENOMEM;
        parts[i] = NULL;
        if (rc == MDB_NOTFOUND || numbers[i] < 1 || numbers[i] > S3MPU_PARTS_MAX)
            continue;
        rc = store_map_rc(rc);
        if (!rc)
            rc = store_value_split(&v, &rec, &body);
        if (!rc)
            rc = record_obj_decode(rec.mv_data, rec.mv_size, a, p);
        if (!rc && p->size != body.mv_size)
            rc = LY_EIO;
        if (rc)
            return rc;
        parts[i] = p;
        bodies[i] = body.mv_data;
    }
    return 0;
}

/* Copies the listed parts' bodies, in order, to dst (obj size bytes). */
static int parts_copy(struct store *s, MDB_txn *txn, const char *bucket, const char *upload_id,
                      const long *numbers, size_t n, char *dst, uint64_t size)
{
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char kb[UKEY_BYTES_MAX];
        MDB_val k = {pkey(bucket, upload_id, numbers[i], kb), kb}, v, rec, body;
        int rc = store_map_rc(mdb_get(txn, s->parts, &k, &v));
        if (!rc)
            rc = store_value_split(&v, &rec, &body);
        if (!rc && body.mv_size > size - off)
            rc = LY_EIO;
        if (rc)
            return rc;
        if (body.mv_size)
            memcpy(dst + off, body.mv_data, body.mv_size);
        off += body.mv_size;
    }
    LY_ASSERT(off == size);
    return 0;
}

struct complete_job {
    const char *bucket, *key, *upload_id;
    const long *numbers;
    size_t n;
    uint64_t object_bytes_max;
    struct ly_arena *a;
    struct store_upload_done *done;
    store_complete_fn fn;
    void *ctx;
};

static int complete_txn(struct store *s, MDB_txn *txn, struct complete_job *j,
                        struct store_obj *obj)
{
    struct store_upload u;
    struct store_wkey wk;
    struct store_obj cur;
    const struct store_obj **parts = ly_arena_calloc(j->a, (j->n + 1) * sizeof *parts);
    const void **bodies = ly_arena_calloc(j->a, (j->n + 1) * sizeof *bodies);
    int exists = 0;
    void *dst = NULL;
    wk.bucket = j->bucket;
    wk.key = j->key;
    int rc = parts && bodies ? upload_read(s, txn, j->bucket, j->upload_id, j->a, &u) : LY_ENOMEM;
    if (!rc && strcmp(u.key, j->key) != 0)
        rc = LY_ENOENT;
    if (!rc)
        rc = store_obj_key(s, j->bucket, j->key, wk.buf, &wk.k, &wk.is_long);
    if (!rc)
        rc = parts_read(s, txn, j->bucket, j->upload_id, j->numbers, j->n, j->a, parts, bodies);
    if (!rc)
        rc = store_read_current(s, txn, &wk.k, j->a, &cur, &exists);
    if (!rc) {
        *obj = u.meta;
        obj->etag = NULL;
        obj->flags = 0;
        exists = exists && !(cur.flags & STORE_OBJ_DELETE_MARKER);
        rc = j->fn(j->ctx, &u, parts, bodies, j->n, exists ? &cur : NULL, obj);
    }
    if (!rc && obj->size > j->object_bytes_max)
        rc = LY_ETOOBIG;
    if (!rc)
        rc = store_install_current(s, txn, &wk, obj, &dst);
    if (!rc)
        rc = parts_copy(s, txn, j->bucket, j->upload_id, j->numbers, j->n, dst, obj->size);
    if (!rc)
        rc = upload_remove(s, txn, j->bucket, j->upload_id);
    if (!rc) {
        j->done->key = j->key;
        j->done->obj = *obj;
        rc = store_mpu_done_put(s, txn, j->bucket, j->upload_id, j->done);
    }
    return rc;
}

int store_upload_complete(struct store *s, const char *bucket, const char *key,
                          const char *upload_id, const long *numbers, size_t n,
                          uint64_t object_bytes_max, struct ly_arena *a, struct store_obj *obj,
                          struct store_upload_done *done, store_complete_fn fn, void *ctx)
{
    struct complete_job j = {bucket,           key, upload_id, numbers, n,
                             object_bytes_max, a,   done,      fn,      ctx};
    MDB_txn *txn;
    int rc = store_map_rc(mdb_txn_begin(s->env, NULL, 0, &txn));
    if (rc)
        return rc;
    store_blob_txn_begin(s); /* the object it replaces may be a blob */
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = complete_txn(s, txn, &j, obj);
    if (!rc)
        return store_map_rc(store_blob_commit(s, txn));
    mdb_txn_abort(txn);
    return rc;
}
