/*
 * store_mpu_done.c - records of completed multipart uploads (see store_mpu_done.h).
 * Record: i64 completed_ms | 32-byte digest | u64 seq | u32 flags | 5 strings (key, etag,
 * checksum_alg, checksum_value, checksum_type), each u32 length (0xFFFFFFFF: NULL) + bytes.
 */
#include "store_mpu_done.h"
#include "lockyard/mpu.h"

#include <string.h>

#define NSTR 5
#define NULL_LEN 0xFFFFFFFFu
#define DKEY_BYTES_MAX (64 + 1 + S3_UPLOAD_ID_LEN)

static size_t dkey(const char *bucket, const char *upload_id, unsigned char *buf)
{
    size_t bl = strlen(bucket) + 1, ul = strlen(upload_id);
    if (bl > 64)
        bl = 64; /* bucket names are at most 63 bytes (checked by the S3 handlers) */
    if (ul > S3_UPLOAD_ID_LEN)
        ul = S3_UPLOAD_ID_LEN;
    memcpy(buf, bucket, bl);
    buf[bl] = (unsigned char)STORE_MPU_DONE_MARK;
    memcpy(buf + bl + 1, upload_id, ul);
    return bl + 1 + ul;
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xFF);
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

int store_mpu_done_put(struct store *s, MDB_txn *txn, const char *bucket, const char *upload_id,
                       const struct store_upload_done *d)
{
    const char *strs[NSTR] = {d->key, d->obj.etag, d->obj.checksum_alg, d->obj.checksum_value,
                              d->checksum_type};
    unsigned char head[8 + 32 + 8 + 4], len[4], kb[DKEY_BYTES_MAX];
    struct ly_buf b;
    ly_buf_init(&b, 1u << 16);
    put_be(head, (uint64_t)d->completed_ms, 8);
    memcpy(head + 8, d->digest, 32);
    put_be(head + 40, d->obj.seq, 8);
    put_be(head + 48, d->obj.flags, 4);
    int rc = ly_buf_add(&b, head, sizeof head);
    for (int i = 0; !rc && i < NSTR; i++) {
        put_be(len, strs[i] ? strlen(strs[i]) : NULL_LEN, 4);
        rc = ly_buf_add(&b, len, 4);
        if (!rc && strs[i])
            rc = ly_buf_add(&b, strs[i], strlen(strs[i]));
    }
    if (!rc) {
        MDB_val k = {dkey(bucket, upload_id, kb), kb}, v = {b.len, b.data};
        rc = store_map_rc(mdb_put(txn, s->uploads, &k, &v, 0));
    }
    ly_buf_cleanup(&b);
    return rc;
}

static int decode(const unsigned char *p, size_t n, struct ly_arena *a, struct store_upload_done *d)
{
    const char *strs[NSTR] = {NULL};
    if (n < 52)
        return LY_EIO;
    memset(d, 0, sizeof *d);
    d->completed_ms = (int64_t)get_be(p, 8);
    memcpy(d->digest, p + 8, 32);
    d->obj.seq = get_be(p + 40, 8);
    d->obj.flags = (uint32_t)get_be(p + 48, 4);
    size_t off = 52;
    for (int i = 0; i < NSTR; i++) {
        if (n - off < 4)
            return LY_EIO;
        uint32_t l = (uint32_t)get_be(p + off, 4);
        off += 4;
        if (l == NULL_LEN)
            continue;
        if (l > n - off)
            return LY_EIO;
        if (!(strs[i] = ly_arena_strndup(a, (const char *)p + off, l)))
            return LY_ENOMEM;
        off += l;
    }
    d->key = strs[0];
    d->obj.etag = strs[1];
    d->obj.checksum_alg = strs[2];
    d->obj.checksum_value = strs[3];
    d->checksum_type = strs[4];
    return off == n && d->key && d->obj.etag ? 0 : LY_EIO;
}

int store_upload_done_get(struct store *s, const char *bucket, const char *upload_id,
                          struct ly_arena *a, struct store_upload_done *out)
{
    unsigned char kb[DKEY_BYTES_MAX];
    MDB_txn *txn;
    MDB_val k = {dkey(bucket, upload_id, kb), kb}, v;
    int rc = store_read_begin(s, &txn);
    if (rc)
        return rc;
    rc = store_bucket_exists(s, txn, bucket);
    if (!rc)
        rc = store_map_rc(mdb_get(txn, s->uploads, &k, &v));
    if (!rc)
        rc = decode(v.mv_data, v.mv_size, a, out);
    enum store_versioning ver = STORE_VERSIONING_OFF;
    if (!rc && !(out->obj.flags & STORE_OBJ_VERSIONED))
        rc = store_versioning_txn(s, txn, bucket, &ver);
    if (!rc)
        out->obj.bucket_versioning = (int)ver; /* now, as an answer to a retry reports it */
    store_read_end(s, txn);
    return rc;
}
