/* store_record.c - encode/validate/decode stored records (see store_record.h). */
#include "store_record.h"
#include "lockyard/check.h"

#include <string.h>

#define OBJ_MAGIC 0x314F594Cu /* "LYO1" little-endian */
#define BKT_MAGIC 0x3142594Cu /* "LYB1" */
#define UPL_MAGIC 0x3155594Cu /* "LYU1" */
#define OBJ_HEAD_BYTES (4 + 4 + 8 + 8 + 8)

enum field_tag {
    F_ETAG = 1,
    F_CTYPE,
    F_CENC,
    F_CDISP,
    F_CLANG,
    F_CACHE,
    F_EXPIRES,
    F_CKALG,
    F_CKVAL,
    F_SCLASS,
    F_META_NAME,
    F_META_VALUE,
    F_PARTS,
    F_PART_CRC,
};

static int put_u32(struct ly_buf *b, uint32_t v)
{
    return ly_buf_add(b, &v, 4);
}
static int put_u64(struct ly_buf *b, uint64_t v)
{
    return ly_buf_add(b, &v, 8);
}

static int put_field(struct ly_buf *b, enum field_tag tag, const char *s)
{
    if (!s)
        return 0;
    uint8_t t = (uint8_t)tag;
    uint32_t n = (uint32_t)strlen(s);
    int rc = ly_buf_add(b, &t, 1);
    if (!rc)
        rc = put_u32(b, n);
    if (!rc)
        rc = ly_buf_add(b, s, n);
    return rc;
}

int record_obj_encode(const struct store_obj *o, struct ly_buf *out)
{
    LY_ASSERT(o->etag != NULL);
    LY_ASSERT(o->nmeta <= STORE_META_MAX);
    int rc = put_u32(out, OBJ_MAGIC);
    if (!rc)
        rc = put_u32(out, o->flags);
    if (!rc)
        rc = put_u64(out, o->size);
    if (!rc)
        rc = put_u64(out, (uint64_t)o->mtime_ms);
    if (!rc)
        rc = put_u64(out, o->seq);
    const struct {
        enum field_tag tag;
        const char *v;
    } f[] = {
        {F_ETAG, o->etag},
        {F_CTYPE, o->content_type},
        {F_CENC, o->content_encoding},
        {F_CDISP, o->content_disposition},
        {F_CLANG, o->content_language},
        {F_CACHE, o->cache_control},
        {F_EXPIRES, o->expires},
        {F_CKALG, o->checksum_alg},
        {F_CKVAL, o->checksum_value},
        {F_SCLASS, o->storage_class},
        {F_PARTS, o->part_sizes},
        {F_PART_CRC, o->part_crc},
    };
    for (size_t i = 0; !rc && i < LY_ARRAY_LEN(f); i++)
        rc = put_field(out, f[i].tag, f[i].v);
    for (size_t i = 0; !rc && i < o->nmeta; i++) {
        rc = put_field(out, F_META_NAME, o->meta[i].name);
        if (!rc)
            rc = put_field(out, F_META_VALUE, o->meta[i].value);
    }
    return rc;
}

static const char **field_slot(struct store_obj *o, enum field_tag tag)
{
    switch (tag) {
    case F_ETAG: return &o->etag;
    case F_CTYPE: return &o->content_type;
    case F_CENC: return &o->content_encoding;
    case F_CDISP: return &o->content_disposition;
    case F_CLANG: return &o->content_language;
    case F_CACHE: return &o->cache_control;
    case F_EXPIRES: return &o->expires;
    case F_CKALG: return &o->checksum_alg;
    case F_CKVAL: return &o->checksum_value;
    case F_SCLASS: return &o->storage_class;
    case F_PARTS: return &o->part_sizes;
    case F_PART_CRC: return &o->part_crc;
    default: return NULL;
    }
}

int record_obj_head(const void *data, size_t len, uint32_t *flags, uint64_t *seq)
{
    const unsigned char *p = data;
    uint32_t magic;
    *flags = 0;
    *seq = 0;
    if (len < OBJ_HEAD_BYTES)
        return LY_EIO;
    memcpy(&magic, p, 4);
    if (magic != OBJ_MAGIC)
        return LY_EIO;
    memcpy(flags, p + 4, 4);
    memcpy(seq, p + 24, 8);
    return 0;
}

int record_obj_decode(const void *data, size_t len, struct ly_arena *a, struct store_obj *o)
{
    const unsigned char *p = data;
    uint32_t magic;
    uint64_t u;
    memset(o, 0, sizeof *o);
    if (len < OBJ_HEAD_BYTES)
        return LY_EIO;
    memcpy(&magic, p, 4);
    if (magic != OBJ_MAGIC)
        return LY_EIO;
    memcpy(&o->flags, p + 4, 4);
    if (o->flags & ~(uint32_t)(STORE_OBJ_DELETE_MARKER | STORE_OBJ_VERSIONED | STORE_OBJ_BLOB))
        return LY_EIO;
    memcpy(&o->size, p + 8, 8);
    memcpy(&u, p + 16, 8);
    o->mtime_ms = (int64_t)u;
    memcpy(&o->seq, p + 24, 8);
    size_t off = OBJ_HEAD_BYTES;
    while (off < len) {
        uint32_t n;
        if (len - off < 5)
            return LY_EIO;
        enum field_tag tag = (enum field_tag)p[off];
        memcpy(&n, p + off + 1, 4);
        off += 5;
        if (n > len - off)
            return LY_EIO;
        char *s = ly_arena_strndup(a, (const char *)p + off, n);
        if (!s)
            return LY_ENOMEM;
        off += n;
        const char **slot = field_slot(o, tag);
        if (slot) {
            *slot = s;
        } else if (tag == F_META_NAME && o->nmeta < STORE_META_MAX) {
            o->meta[o->nmeta].name = s;
            o->meta[o->nmeta].value = "";
        } else if (tag == F_META_VALUE && o->nmeta < STORE_META_MAX) {
            o->meta[o->nmeta++].value = s;
        } else {
            return LY_EIO;
        }
    }
    return o->etag ? 0 : LY_EIO;
}

int record_bucket_encode(const struct store_bucket *b, struct ly_buf *out)
{
    int rc = put_u32(out, BKT_MAGIC);
    if (!rc)
        rc = put_u64(out, (uint64_t)b->ctime_ms);
    if (!rc)
        rc = ly_buf_adds(out, b->region ? b->region : "");
    return rc;
}

int record_bucket_decode(const char *name, const void *data, size_t len, struct ly_arena *a,
                         struct store_bucket *out)
{
    const unsigned char *p = data;
    uint32_t magic;
    uint64_t t;
    if (len < 12)
        return LY_EIO;
    memcpy(&magic, p, 4);
    if (magic != BKT_MAGIC)
        return LY_EIO;
    memcpy(&t, p + 4, 8);
    out->ctime_ms = (int64_t)t;
    out->name = ly_arena_strdup(a, name);
    out->region = ly_arena_strndup(a, (const char *)p + 12, len - 12);
    return out->name && out->region ? 0 : LY_ENOMEM;
}

int record_upload_encode(const struct store_upload *u, struct ly_buf *out)
{
    uint32_t kl = (uint32_t)strlen(u->key);
    const char *ct = u->checksum_type ? u->checksum_type : "";
    uint32_t cl = (uint32_t)strlen(ct);
    int rc = put_u32(out, UPL_MAGIC);
    if (!rc)
        rc = put_u64(out, u->seq);
    if (!rc)
        rc = put_u64(out, u->init_seq);
    if (!rc)
        rc = put_u64(out, (uint64_t)u->initiated_ms);
    if (!rc)
        rc = put_u32(out, kl);
    if (!rc)
        rc = ly_buf_add(out, u->key, kl);
    if (!rc)
        rc = put_u32(out, cl);
    if (!rc)
        rc = ly_buf_add(out, ct, cl);
    if (!rc)
        rc = record_obj_encode(&u->meta, out);
    return rc;
}

/* Reads a u32-length-prefixed string at *off into a. */
static int get_str(const unsigned char *p, size_t len, size_t *off, struct ly_arena *a,
                   const char **out)
{
    uint32_t n;
    if (len - *off < 4)
        return LY_EIO;
    memcpy(&n, p + *off, 4);
    *off += 4;
    if (n > len - *off)
        return LY_EIO;
    *out = ly_arena_strndup(a, (const char *)p + *off, n);
    *off += n;
    return *out ? 0 : LY_ENOMEM;
}

int record_upload_decode(const void *data, size_t len, struct ly_arena *a, struct store_upload *u)
{
    const unsigned char *p = data;
    uint32_t magic;
    uint64_t t;
    memset(u, 0, sizeof *u);
    if (len < 28)
        return LY_EIO;
    memcpy(&magic, p, 4);
    if (magic != UPL_MAGIC)
        return LY_EIO;
    memcpy(&u->seq, p + 4, 8);
    memcpy(&u->init_seq, p + 12, 8);
    memcpy(&t, p + 20, 8);
    u->initiated_ms = (int64_t)t;
    size_t off = 28;
    int rc = get_str(p, len, &off, a, &u->key);
    if (!rc)
        rc = get_str(p, len, &off, a, &u->checksum_type);
    if (!rc && !*u->checksum_type)
        u->checksum_type = NULL;
    if (!rc)
        rc = record_obj_decode(p + off, len - off, a, &u->meta);
    return rc;
}
