/*
 * store_multipart.c - multipart uploads and their parts (see store_multipart.h).
 * Uploads: "bucket\0uploadId" -> upload record. Parts: "bucket\0uploadId\0" + be32 number ->
 * u32 record length, part record (an object record), body.
 */
#include "lockyard/store_multipart.h"
#include "lockyard/check.h"
#include "lockyard/mpu.h"
#include "lockyard/store_blob.h"
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
        rc = store_map_rc(store_wtxn_begin(s, &txn));
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
        rc = store_map_rc(store_wtxn_commit(s, txn));
    else if (txn)
        store_wtxn_abort(s, txn);
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

/* 1 when number is one of keep[0..n) (ascending: a completion's validated list). */
static int kept(long number, const long *keep, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keep[mid] == number)
            return 1;
        if (keep[mid] < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static long part_number_of(const MDB_val *k)
{
    const unsigned char *nb = (const unsigned char *)k->mv_data + k->mv_size - 4;
    return (long)((uint32_t)nb[0] << 24 | (uint32_t)nb[1] << 16 | (uint32_t)nb[2] << 8 | nb[3]);
}

/* Deletes an upload record and all its parts inside txn. A part's blob is dropped, unless the
 * part is one of keep[0..nkeep) (its blob now belongs to the completed object). */
static int upload_remove(struct store *s, MDB_txn *txn, const char *bucket, const char *upload_id,
                         const long *keep, size_t nkeep)
{
    unsigned char kb[UKEY_BYTES_MAX];
    MDB_val k = {ukey(bucket, upload_id, kb), kb}, v, rec, body;
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
        if (!kept(part_number_of(&pk), keep, nkeep) &&
            (rc = store_value_split(&v, &rec, &body)) == 0)
            rc = store_blob_unref(s, txn, &rec, &body);
        if (!rc)
            rc = store_map_rc(mdb_cursor_del(c, 0));
    }
    if (c)
        mdb_cursor_close(c);
    return rc;
}

int store_upload_abort(struct store *s, const char *bucket, const char *upload_id)
{
    MDB_txn *txn;
    int rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (rc)
        return rc;
    store_blob_txn_begin(s); /* parts may be blobs */
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = upload_remove(s, txn, bucket, upload_id, NULL, 0);
    if (!rc)
        return store_map_rc(store_wtxn_commit(s, txn));
    store_wtxn_abort(s, txn);
    return rc;
}

/* Writes the part value at k (replacing a part there: its blob is dropped). */
static int part_write(struct store *s, MDB_txn *txn, MDB_val *k, struct store_obj *part,
                      const void *body)
{
    struct ly_buf rec;
    MDB_val old, orec, obody;
    int rc = mdb_get(txn, s->parts, k, &old);
    if (rc == 0 && (rc = store_value_split(&old, &orec, &obody)) == 0)
        rc = store_blob_unref(s, txn, &orec, &obody);
    else
        rc = rc == MDB_NOTFOUND ? 0 : store_map_rc(rc);
    part->flags = part->blob ? STORE_OBJ_BLOB : 0;
    if (!rc && part->blob)
        rc = store_blob_ref(s, txn, part->blob);
    ly_buf_init(&rec, 1 << 20);
    if (!rc)
        rc = record_obj_encode(part, &rec);
    if (!rc) {
        MDB_val r = {rec.len, rec.data};
        MDB_val b = {part->blob ? STORE_BLOB_ID_LEN : part->size,
                     (void *)(part->blob ? part->blob : body)};
        rc = store_value_put(txn, s->parts, k, &r, &b, 0);
    }
    ly_buf_cleanup(&rec);
    return rc;
}

int store_part_put(struct store *s, const char *bucket, const char *key, const char *upload_id,
                   long number, struct store_obj *part, const void *body)
{
    struct ly_arena a;
    struct store_upload u;
    MDB_txn *txn;
    char made[STORE_BLOB_ID_LEN + 1] = "";
    int rc = 0;
    /* a body that did not come spooled (a small one, UploadPartCopy, HTTP chunked) gets a file
     * too: completion then copies no byte, however many small parts there are */
    if (!part->blob && part->size > 0 && (rc = store_blob_write(s, body, part->size, made)) == 0)
        part->blob = made;
    if (rc)
        return rc;
    ly_arena_init(&a, 1 << 20);
    rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (rc)
        goto out;
    store_blob_txn_begin(s);
    rc = upload_read(s, txn, bucket, upload_id, &a, &u);
    if (!rc && strcmp(u.key, key) != 0)
        rc = LY_ENOENT;
    if (!rc)
        rc = store_next_seq(s, txn, &part->seq);
    if (!rc) {
        unsigned char kb[UKEY_BYTES_MAX];
        MDB_val k = {pkey(bucket, upload_id, number, kb), kb};
        rc = part_write(s, txn, &k, part, body);
    }
    if (!rc)
        rc = store_map_rc(store_wtxn_commit(s, txn));
    else
        store_wtxn_abort(s, txn);
out:
    if (rc && made[0])
        store_blob_discard(s, made);
    if (part->blob == made)
        part->blob = NULL;
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
        if (!rc && (p->flags & STORE_OBJ_BLOB)) { /* its bytes are in a file: the id */
            p->blob = body.mv_size == STORE_BLOB_ID_LEN &&
                              store_blob_slot_ok(body.mv_data, body.mv_size)
                          ? ly_arena_strndup(a, body.mv_data, body.mv_size)
                          : NULL;
            rc = p->blob ? 0 : LY_EIO;
        } else if (!rc && p->size != body.mv_size) {
            rc = LY_EIO;
        }
        if (rc)
            return rc;
        parts[i] = p;
        bodies[i] = p->blob ? NULL : body.mv_data;
    }
    return 0;
}

/*
 * The body of a completed object of large parts: the list of the parts' blobs (store_blob.h),
 * in order. A part kept in LMDB (one a store of an earlier version kept there: parts now
 * always get a file of their own) is written to a blob of its own, listed in made (the caller
 * discards them when the completion fails). Empty parts have no entry.
 */
static int parts_blob_list(struct store *s, const struct store_obj *const *parts,
                           const void *const *bodies, size_t n, struct ly_arena *a,
                           struct ly_buf *made, const char **out)
{
    struct ly_buf list;
    int rc = 0;
    ly_buf_init(&list, (size_t)STORE_BLOB_ENTRY_LEN * (S3MPU_PARTS_MAX + 1));
    for (size_t i = 0; !rc && i < n; i++) {
        char id[STORE_BLOB_ID_LEN + 1];
        if (parts[i]->size == 0)
            continue;
        if (parts[i]->blob) {
            memcpy(id, parts[i]->blob, sizeof id);
        } else if ((rc = store_blob_write(s, bodies[i], parts[i]->size, id)) == 0) {
            rc = ly_buf_add(made, id, STORE_BLOB_ID_LEN);
        }
        if (!rc)
            rc = store_blob_list_add(&list, id, parts[i]->size);
    }
    if (!rc)
        rc = ly_buf_add(&list, "", 1);
    *out = rc ? NULL : ly_arena_strdup(a, list.data);
    ly_buf_cleanup(&list);
    return rc ? rc : *out ? 0 : LY_ENOMEM;
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
    struct ly_buf made; /* ids of the blobs written for small parts */
};

/* 1 when the completed object's body is kept in LMDB: it is small (under 1 MiB, read from its
 * parts' files if they have them). */
static int completes_inline(uint64_t size)
{
    return size < STORE_BLOB_MIN_BYTES;
}

/* A part's bytes to dst: from its file, or from its value in LMDB (read again: the object's
 * record was written since parts_read). */
static int part_bytes(struct store *s, MDB_txn *txn, MDB_val *k, const struct store_obj *part,
                      char *dst, uint64_t room)
{
    MDB_val v, rec, body;
    if (part->size > room)
        return LY_EIO;
    if (part->blob) {
        struct ly_buf b;
        ly_buf_init(&b, STORE_BLOB_MIN_BYTES + 1);
        int rc = store_blob_read(s, part->blob, 0, (size_t)part->size, &b);
        if (!rc && part->size)
            memcpy(dst, b.data, (size_t)part->size);
        ly_buf_cleanup(&b);
        return rc;
    }
    int rc = store_map_rc(mdb_get(txn, s->parts, k, &v));
    if (!rc)
        rc = store_value_split(&v, &rec, &body);
    if (!rc && body.mv_size != part->size)
        rc = LY_EIO;
    if (!rc && body.mv_size)
        memcpy(dst, body.mv_data, body.mv_size);
    return rc;
}

/* Copies the listed parts' bodies, in order, to dst (obj size bytes, under 1 MiB). */
static int parts_copy(struct store *s, MDB_txn *txn, const struct complete_job *j,
                      const struct store_obj *const *parts, char *dst, uint64_t size)
{
    uint64_t off = 0;
    for (size_t i = 0; i < j->n; i++) {
        unsigned char kb[UKEY_BYTES_MAX];
        MDB_val k = {pkey(j->bucket, j->upload_id, j->numbers[i], kb), kb};
        int rc = part_bytes(s, txn, &k, parts[i], dst + off, size - off);
        if (rc)
            return rc;
        off += parts[i]->size;
    }
    LY_ASSERT(off == size);
    return 0;
}

/* Reads the upload, its listed parts and the current object, and lets fn decide. */
static int complete_check(struct store *s, MDB_txn *txn, struct complete_job *j,
                          struct store_wkey *wk, const struct store_obj **parts,
                          const void **bodies, struct store_obj *obj)
{
    struct store_upload u;
    struct store_obj cur;
    int exists = 0;
    int rc = upload_read(s, txn, j->bucket, j->upload_id, j->a, &u);
    if (!rc && strcmp(u.key, j->key) != 0)
        rc = LY_ENOENT;
    if (!rc)
        rc = store_obj_key(s, j->bucket, j->key, wk->buf, &wk->k, &wk->is_long);
    if (!rc)
        rc = parts_read(s, txn, j->bucket, j->upload_id, j->numbers, j->n, j->a, parts, bodies);
    if (!rc)
        rc = store_read_current(s, txn, &wk->k, j->a, &cur, &exists);
    if (!rc) {
        *obj = u.meta;
        obj->etag = NULL;
        obj->flags = 0;
        obj->blob = NULL;
        exists = exists && !(cur.flags & STORE_OBJ_DELETE_MARKER);
        rc = j->fn(j->ctx, &u, parts, bodies, j->n, exists ? &cur : NULL, obj);
    }
    if (!rc && obj->size > j->object_bytes_max)
        rc = LY_ETOOBIG;
    return rc;
}

static int complete_txn(struct store *s, MDB_txn *txn, struct complete_job *j,
                        struct store_obj *obj)
{
    struct store_wkey wk;
    const struct store_obj **parts = ly_arena_calloc(j->a, (j->n + 1) * sizeof *parts);
    const void **bodies = ly_arena_calloc(j->a, (j->n + 1) * sizeof *bodies);
    void *dst = NULL;
    wk.bucket = j->bucket;
    wk.key = j->key;
    int rc = parts && bodies ? complete_check(s, txn, j, &wk, parts, bodies, obj) : LY_ENOMEM;
    int in_lmdb = !rc && completes_inline(obj->size);
    if (!rc && !in_lmdb) /* before any write: bodies point into this transaction's pages */
        rc = parts_blob_list(s, parts, bodies, j->n, j->a, &j->made, &obj->blob);
    if (!rc)
        rc = store_install_current(s, txn, &wk, obj, &dst);
    if (!rc && in_lmdb)
        rc = parts_copy(s, txn, j, parts, dst, obj->size);
    if (!rc) /* the listed parts' blobs now belong to the object */
        rc = upload_remove(s, txn, j->bucket, j->upload_id, in_lmdb ? NULL : j->numbers,
                           in_lmdb ? 0 : j->n);
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
    struct complete_job j = {.bucket = bucket,
                             .key = key,
                             .upload_id = upload_id,
                             .numbers = numbers,
                             .n = n,
                             .object_bytes_max = object_bytes_max,
                             .a = a,
                             .done = done,
                             .fn = fn,
                             .ctx = ctx};
    MDB_txn *txn;
    ly_buf_init(&j.made, (size_t)STORE_BLOB_ID_LEN * (S3MPU_PARTS_MAX + 1));
    int rc = store_map_rc(store_wtxn_begin(s, &txn));
    if (!rc) {
        store_blob_txn_begin(s); /* the object it replaces may be a blob, its parts are */
        rc = store_bucket_exists(s, txn, bucket);
        if (!rc)
            rc = complete_txn(s, txn, &j, obj);
        if (!rc)
            rc = store_map_rc(store_wtxn_commit(s, txn));
        else
            store_wtxn_abort(s, txn);
    }
    for (size_t i = 0; rc && i < j.made.len; i += STORE_BLOB_ID_LEN) {
        char id[STORE_BLOB_ID_LEN + 1];
        memcpy(id, j.made.data + i, STORE_BLOB_ID_LEN);
        id[STORE_BLOB_ID_LEN] = '\0';
        store_blob_discard(s, id); /* not stored: the files written for small parts go */
    }
    ly_buf_cleanup(&j.made);
    return rc;
}
