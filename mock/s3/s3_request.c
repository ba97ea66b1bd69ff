/*
 * s3_request.c - request validation and object helpers shared by the object, copy, multipart
 * and attributes handlers (s3_object.c, s3_copy.c, s3_multipart*.c, s3_attributes.c): the key,
 * the stored headers and metadata of a new object, ETags, the parts of a completed multipart
 * object, reading an object or version (delete markers, conditional reads). Kept apart so
 * those handler files depend on this one and not on each other.
 */
#include "s3_internal.h"
#include "lockyard/checksum.h"
#include "lockyard/httpdate.h"
#include "lockyard/s3cond.h"
#include "lockyard/s3meta.h"
#include "lockyard/s3name.h"

#include <inttypes.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define USER_META_BYTES_MAX 2048

int s3_random_etag(char etag[33])
{
    uint8_t raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return LY_EIO;
    cksum_hex(raw, sizeof raw, etag);
    return 0;
}

const char *s3_quoted_etag(struct s3_call *c, const char *etag)
{
    size_t n = strlen(etag);
    char *q = ly_arena_alloc(c->a, n + 3);
    if (!q)
        return NULL;
    q[0] = '"';
    memcpy(q + 1, etag, n);
    memcpy(q + 1 + n, "\"", 2);
    return q;
}

int s3_key_ok_or_reply(struct s3_call *c)
{
    size_t n = strlen(c->req->key);
    if (!s3name_utf8_valid(c->req->key, n)) {
        s3_error(c, AWS_S3_INVALID_URI, NULL); /* object keys are UTF-8 */
        return LY_EINVAL;
    }
    if (n <= S3_KEY_BYTES_MAX)
        return 0;
    char size[32];
    snprintf(size, sizeof size, "%zu", n);
    s3_error(c, AWS_S3_KEY_TOO_LONG_ERROR, "Size", size, "MaxSizeAllowed", "1024", NULL);
    return LY_EINVAL;
}

static int storage_class_valid(const char *v)
{
    static const char *const classes[] = {
        "STANDARD",       "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
        "GLACIER",        "DEEP_ARCHIVE",       "OUTPOSTS",    "GLACIER_IR", "SNOW",
        "EXPRESS_ONEZONE"};
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strcmp(v, classes[i]) == 0)
            return 1;
    return 0;
}

int s3_object_meta_from_req_or_reply(struct s3_call *c, struct store_obj *o)
{
    const struct ly_req *r = c->req;
    const char *ct = ly_req_header(r, "Content-Type");
    o->content_type = ct ? ct : "binary/octet-stream";
    o->content_encoding = s3meta_content_encoding(c->a, ly_req_header(r, "Content-Encoding"));
    o->content_disposition = ly_req_header(r, "Content-Disposition");
    o->content_language = ly_req_header(r, "Content-Language");
    o->cache_control = ly_req_header(r, "Cache-Control");
    o->expires = ly_req_header(r, "Expires");
    const char *sc = ly_req_header(r, "x-amz-storage-class");
    if (sc && !storage_class_valid(sc)) {
        s3_error(c, AWS_S3_INVALID_STORAGE_CLASS, "StorageClassRequested", sc, NULL);
        return LY_EINVAL;
    }
    o->storage_class = sc && strcmp(sc, "STANDARD") != 0 ? sc : NULL;
    size_t bytes = 0;
    o->nmeta = 0;
    for (size_t i = 0; i < r->nhdrs; i++) {
        const char *name = r->hdrs[i].name;
        if (strncasecmp(name, "x-amz-meta-", 11) != 0)
            continue;
        char *lower = ly_arena_strdup(c->a, name + 11);
        if (!lower) {
            s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
            return LY_ENOMEM;
        }
        for (char *p = lower; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        const char *value = s3meta_decode(c->a, r->hdrs[i].value); /* RFC 2047, as AWS */
        if (!value) {
            s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
            return LY_ENOMEM;
        }
        bytes += strlen(lower) + strlen(value);
        if (o->nmeta == STORE_META_MAX || bytes > USER_META_BYTES_MAX) {
            char size[32];
            snprintf(size, sizeof size, "%zu", bytes);
            s3_error(c, AWS_S3_METADATA_TOO_LARGE, "MaxSizeAllowed", "2048", "Size", size, NULL);
            return LY_ETOOBIG;
        }
        o->meta[o->nmeta].name = lower;
        o->meta[o->nmeta].value = value;
        o->nmeta++;
    }
    return 0;
}

/* The offset and size of part (1-based) of o; LY_ERANGE past the last part. */
static int part_bounds(const struct store_obj *o, long part, uint64_t *off, uint64_t *size,
                       long *count)
{
    if (!o->part_sizes) {
        *count = 1;
        *off = 0;
        *size = o->size;
        return part == 1 ? 0 : LY_ERANGE;
    }
    const char *p = o->part_sizes;
    uint64_t pos = 0;
    long i = 0;
    int found = 0;
    while (*p) {
        char *end;
        uint64_t n = strtoull(p, &end, 10);
        i++;
        if (i == part) {
            *off = pos;
            *size = n;
            found = 1;
        }
        pos += n;
        p = *end == ',' ? end + 1 : end;
        if (end == p && *p)
            return LY_EIO;
    }
    *count = i;
    return found ? 0 : LY_ERANGE;
}

static int add_span(void *ctx, const struct store_blob_span *sp)
{
    struct s3_call *c = ctx;
    int fd;
    int rc = store_blob_open(c->ctx->store, sp->id, &fd);
    return rc ? rc : ly_resp_add_file(c->resp, fd, sp->off, sp->len);
}

int s3_blob_body(struct s3_call *c, const struct store_obj *o, uint64_t off, uint64_t len)
{
    return store_blob_spans(o, off, len, add_span, c);
}

int s3_part_number_or_reply(struct s3_call *c, const struct store_obj *o, long part, int *ranged)
{
    uint64_t off = 0, size = 0;
    long count = 0;
    char tmp[96], req[32];
    int rc = part_bounds(o, part, &off, &size, &count);
    if (rc == LY_ERANGE) {
        snprintf(tmp, sizeof tmp, "%ld", count);
        snprintf(req, sizeof req, "%ld", part);
        s3_error(c, AWS_S3_INVALID_PART_NUMBER, "PartNumberRequested", req, "ActualPartCount", tmp,
                 NULL);
        return rc;
    }
    if (rc || off + size > o->size) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return LY_EIO;
    }
    *ranged = 1;
    if (size)
        snprintf(tmp, sizeof tmp, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, off, off + size - 1,
                 o->size);
    else
        snprintf(tmp, sizeof tmp, "bytes */%" PRIu64, o->size);
    if (s3_header(c, "Content-Range", tmp))
        return LY_ENOMEM;
    if (o->part_sizes) {
        snprintf(tmp, sizeof tmp, "%ld", count);
        if (s3_header(c, "x-amz-mp-parts-count", tmp))
            return LY_ENOMEM;
    }
    if (c->req->method == LY_GET && o->blob) { /* from the blob files that hold the part */
        rc = s3_blob_body(c, o, off, size);
        if (rc)
            s3_error_internal(c, rc);
        return rc;
    }
    if (c->req->method == LY_GET) {
        struct ly_buf *b = &c->resp->body;
        memmove(b->data, b->data + off, (size_t)size);
        b->len = (size_t)size;
        return 0;
    }
    snprintf(tmp, sizeof tmp, "%" PRIu64, size);
    return ly_resp_header_set(c->resp, c->a, "Content-Length", tmp) ? LY_ENOMEM : 0;
}

/* 404 / 405 answers for delete markers carry x-amz-delete-marker and the marker's version. */
static void delete_marker_reply(struct s3_call *c, const struct store_obj *o, int by_version)
{
    char date[LY_HTTPDATE_LEN];
    const char *vid = s3_version_id(c, o);
    ly_httpdate_format(o->mtime_ms, date);
    if (by_version)
        s3_error(c, AWS_S3_METHOD_NOT_ALLOWED, "Method", c->req->method_name, "ResourceType",
                 "DeleteMarker", NULL);
    else
        s3_error(c, AWS_S3_NO_SUCH_KEY, "Key", c->req->key, NULL);
    if (s3_header(c, "x-amz-delete-marker", "true") || !vid ||
        s3_header(c, "x-amz-version-id", vid))
        return;
    if (by_version && s3_header(c, "Allow", "DELETE") == 0)
        (void)s3_header(c, "Last-Modified", date);
}

/* Reads the current object or ?versionId=; 0, or the error answer was sent. */
int s3_object_read_or_reply(struct s3_call *c, struct store_obj *o, struct ly_buf *body)
{
    int has;
    uint64_t seq;
    memset(o, 0, sizeof *o);
    if (s3_version_param_or_reply(c, &has, &seq))
        return LY_EINVAL;
    int rc =
        has ? store_obj_get_version(c->ctx->store, c->req->bucket, c->req->key, seq, c->a, o, body)
            : store_obj_get(c->ctx->store, c->req->bucket, c->req->key, c->a, o, body);
    if (!rc && !(o->flags & STORE_OBJ_DELETE_MARKER))
        return 0;
    if (!rc || (rc == LY_ENOENT && (o->flags & STORE_OBJ_DELETE_MARKER)))
        delete_marker_reply(c, o, has);
    else if (rc == LY_ENOENT && has)
        s3_error(c, AWS_S3_NO_SUCH_VERSION, "Key", c->req->key, "VersionId",
                 ly_req_query(c->req, "versionId")->value, NULL);
    else
        s3_error_internal(c, rc);
    return rc ? rc : LY_ENOENT;
}

int s3_read_cond_or_reply(struct s3_call *c, const struct store_obj *o)
{
    struct s3cond_read cond = {
        ly_req_header(c->req, "If-Match"),
        ly_req_header(c->req, "If-None-Match"),
        ly_req_header(c->req, "If-Modified-Since"),
        ly_req_header(c->req, "If-Unmodified-Since"),
    };
    int failed;
    enum s3cond_outcome out =
        c->req->ignore_conditions
            ? S3COND_PASS
            : s3cond_eval_read(&cond, o->etag, o->mtime_ms, c->req->now_ms, &failed);
    if (out == S3COND_PASS)
        return 0;
    char date[LY_HTTPDATE_LEN];
    ly_httpdate_format(o->mtime_ms, date);
    if (out == S3COND_NOT_MODIFIED) {
        ly_buf_reset(&c->resp->body);
        if (s3_header(c, "ETag", s3_quoted_etag(c, o->etag)) == 0 &&
            s3_header(c, "Last-Modified", date) == 0)
            c->resp->status = 304;
        return LY_ECOND;
    }
    s3_error(c, AWS_S3_PRECONDITION_FAILED, "Condition", s3cond_read_name(failed), NULL);
    return LY_ECOND;
}
