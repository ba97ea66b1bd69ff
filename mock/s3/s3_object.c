/*
 * s3_object.c - PutObject, GetObject, HeadObject, DeleteObject.
 * Preconditions are evaluated by the store's check callback inside the write
 * transaction, so the first writer to commit wins and every other gets 412.
 */
#include "s3_internal.h"
#include "lockyard/s3meta.h"
#include "lockyard/httpdate.h"
#include "lockyard/s3cond.h"
#include "lockyard/mpu.h"
#include "lockyard/s3name.h"

#include <inttypes.h>
#include "lockyard/checksum.h"
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
    return ly_arena_printf(c->a, "\"%s\"", etag);
}

int s3_key_ok_or_reply(struct s3_call *c)
{
    size_t n = strlen(c->req->key);
    if (!s3name_utf8_valid(c->req->key, n)) {
        s3_error(c, "InvalidURI", NULL); /* object keys are UTF-8 */
        return LY_EINVAL;
    }
    if (n <= S3_KEY_BYTES_MAX)
        return 0;
    char size[32];
    snprintf(size, sizeof size, "%zu", n);
    s3_error(c, "KeyTooLongError", "Size", size, "MaxSizeAllowed", "1024", NULL);
    return LY_EINVAL;
}

static int storage_class_valid(const char *v)
{
    static const char *const classes[] = {
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
        "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE",
    };
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
        s3_error(c, "InvalidStorageClass", "StorageClassRequested", sc, NULL);
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
            s3_error(c, "InternalError", NULL);
            return LY_ENOMEM;
        }
        for (char *p = lower; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        const char *value = s3meta_decode(c->a, r->hdrs[i].value); /* RFC 2047, as AWS */
        if (!value) {
            s3_error(c, "InternalError", NULL);
            return LY_ENOMEM;
        }
        bytes += strlen(lower) + strlen(value);
        if (o->nmeta == STORE_META_MAX || bytes > USER_META_BYTES_MAX) {
            char size[32];
            snprintf(size, sizeof size, "%zu", bytes);
            s3_error(c, "MetadataTooLarge", "MaxSizeAllowed", "2048", "Size", size, NULL);
            return LY_ETOOBIG;
        }
        o->meta[o->nmeta].name = lower;
        o->meta[o->nmeta].value = value;
        o->nmeta++;
    }
    return 0;
}

/* Verifies Content-MD5 when sent: 0, or the InvalidDigest / BadDigest answer was sent. */
int s3_content_md5_ok_or_reply(struct s3_call *c)
{
    const char *b64 = ly_req_header(c->req, "Content-MD5");
    uint8_t want[CKSUM_MD5_LEN], got[CKSUM_MD5_LEN];
    if (!b64)
        return 0;
    if (cksum_content_md5_parse(b64, strlen(b64), want) != 0) {
        s3_error(c, "InvalidDigest", "Content-MD5", b64, NULL);
        return LY_EINVAL;
    }
    if (s3_body_md5(c, got) != 0 || memcmp(want, got, 16) != 0) {
        s3_error(c, "BadDigest", "ExpectedDigest", b64, NULL);
        return LY_ECOND;
    }
    return 0;
}

struct write_check {
    struct s3cond_write cond;
    const char *condition;
    int ignore_conditions;       /* a fault rule's ignore_conditions */
    struct s3_call *call;        /* the body whose MD5 becomes the ETag, */
    char *etag;                  /* written here once the write goes ahead */
};

/* Inside the write transaction: the preconditions, then (the write going ahead) the ETag,
 * the MD5 net computed as the body arrived (computed here only for a body it did not take). */
static int write_check_fn(void *ctx, const struct store_obj *cur)
{
    struct write_check *w = ctx;
    int rc = w->ignore_conditions ? 0
                                  : s3cond_eval_write(&w->cond, cur ? cur->etag : NULL,
                                                      &w->condition);
    if (!rc && s3_body_md5_hex(w->call, w->etag) != 0)
        rc = LY_EIO;
    if (!rc && w->call->req->etag_random && s3_random_etag(w->etag) != 0)
        rc = LY_EIO;
    return rc;
}

/* Validates If-Match / If-None-Match of a write (501 answers); 0 or replied. */
static int write_cond_or_reply(struct s3_call *c, struct write_check *w)
{
    struct s3cond_reject why;
    w->cond.if_match = ly_req_header(c->req, "If-Match");
    w->cond.if_none_match = ly_req_header(c->req, "If-None-Match");
    w->condition = NULL;
    if (s3cond_write_validate(&w->cond, &why) == 0)
        return 0;
    s3_error(c, "NotImplemented", "Header", why.header, "additionalMessage",
             why.additional_message, NULL);
    return LY_ENOTSUP;
}

void s3_put_object(struct s3_call *c)
{
    struct store_obj o;
    struct write_check w;
    char etag[33], size[32];
    memset(&o, 0, sizeof o);
    if (!ly_req_header(c->req, "Content-Length") && !ly_req_header(c->req, "Transfer-Encoding")) {
        s3_error(c, "MissingContentLength", NULL);
        return;
    }
    if (s3_key_ok_or_reply(c) || write_cond_or_reply(c, &w))
        return;
    struct s3_policy_ask ask = {"s3:PutObject", c->req->key, w.cond.if_none_match,
                                w.cond.if_match, 1};
    if (s3_policy_allows_or_reply(c, &ask))
        return;
    if (c->req->body_len > c->ctx->config->object_bytes_max) {
        char max[32];
        snprintf(size, sizeof size, "%zu", c->req->body_len);
        snprintf(max, sizeof max, "%" PRIu64, c->ctx->config->object_bytes_max);
        s3_error(c, "EntityTooLarge", "ProposedSize", size, "MaxSizeAllowed", max, NULL);
        return;
    }
    if (s3_content_md5_ok_or_reply(c) || s3_object_meta_from_req_or_reply(c, &o) ||
        s3_checksum_put_or_reply(c, &o))
        return;
    w.ignore_conditions = c->req->ignore_conditions;
    w.call = c;
    w.etag = etag;
    etag[0] = '\0';
    o.etag = etag; /* filled by write_check_fn before the record is written */
    o.size = c->req->body_len;
    o.mtime_ms = c->req->now_ms;
    int rc = store_obj_put(c->ctx->store, c->req->bucket, c->req->key, &o, c->req->body,
                           write_check_fn, &w);
    if (rc == LY_ECOND) {
        s3_error(c, "PreconditionFailed", "Condition", w.condition, NULL);
        return;
    }
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    if (s3_header(c, "ETag", s3_quoted_etag(c, etag)) == 0 &&
        s3_header(c, "x-amz-server-side-encryption", "AES256") == 0 &&
        s3_version_header(c, &o) == 0)
        c->resp->status = 200;
}

int s3_object_headers(struct s3_call *c, const struct store_obj *o)
{
    char date[LY_HTTPDATE_LEN];
    ly_httpdate_format(o->mtime_ms, date);
    int rc = s3_header(c, "ETag", s3_quoted_etag(c, o->etag));
    if (!rc) rc = s3_header(c, "Last-Modified", date);
    const struct { const char *name, *value; } h[] = {
        {"Content-Type", o->content_type}, {"Content-Encoding", o->content_encoding},
        {"Content-Disposition", o->content_disposition},
        {"Content-Language", o->content_language}, {"Cache-Control", o->cache_control},
        {"Expires", o->expires}, {"x-amz-storage-class", o->storage_class},
    };
    for (size_t i = 0; !rc && i < sizeof h / sizeof h[0]; i++)
        if (h[i].value)
            rc = s3_header(c, h[i].name, h[i].value);
    for (size_t i = 0; !rc && i < o->nmeta; i++) {
        char *name = ly_arena_printf(c->a, "x-amz-meta-%s", o->meta[i].name);
        const char *value = s3meta_encode(c->a, o->meta[i].value);
        rc = name && value ? s3_header(c, name, value) : LY_ENOMEM;
    }
    if (!rc) rc = s3_header(c, "x-amz-server-side-encryption", "AES256");
    return rc;
}

/* response-* query overrides for GET/HEAD. */
static int response_overrides(struct s3_call *c)
{
    static const char *const map[][2] = {
        {"response-content-type", "Content-Type"},
        {"response-content-language", "Content-Language"},
        {"response-expires", "Expires"},
        {"response-cache-control", "Cache-Control"},
        {"response-content-disposition", "Content-Disposition"},
        {"response-content-encoding", "Content-Encoding"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const struct ly_qparam *q = ly_req_query(c->req, map[i][0]);
        if (q && ly_resp_header_set(c->resp, c->a, map[i][1], q->value) != 0) {
            s3_error(c, "InternalError", NULL);
            return LY_ENOMEM;
        }
    }
    return 0;
}

struct byte_range {
    uint64_t first, last; /* inclusive */
};

/* Parses "bytes=a-b" / "bytes=a-" / "bytes=-n": 1 satisfiable, 0 ignore (serve all), -1 416. */
static int parse_range(const char *h, uint64_t size, struct byte_range *r)
{
    if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
        return 0;
    const char *p = h + 6;
    char *end;
    if (*p == '-') {
        if (p[1] < '0' || p[1] > '9')
            return 0;
        uint64_t n = strtoull(p + 1, &end, 10);
        if (*end)
            return 0;
        if (n == 0 || size == 0)
            return -1;
        r->first = n >= size ? 0 : size - n;
        r->last = size - 1;
        return 1;
    }
    if (*p < '0' || *p > '9')
        return 0;
    r->first = strtoull(p, &end, 10);
    if (*end != '-')
        return 0;
    p = end + 1;
    if (*p == '\0') {
        r->last = UINT64_MAX;
    } else {
        if (*p < '0' || *p > '9')
            return 0;
        r->last = strtoull(p, &end, 10);
        if (*end || r->last < r->first)
            return 0;
    }
    if (r->first >= size)
        return -1;
    if (r->last >= size)
        r->last = size - 1;
    return 1;
}

static void conditional_read_reply(struct s3_call *c, const struct store_obj *o,
                                   enum s3cond_outcome out, int failed)
{
    char date[LY_HTTPDATE_LEN];
    ly_httpdate_format(o->mtime_ms, date);
    if (out == S3COND_NOT_MODIFIED) {
        ly_buf_reset(&c->resp->body);
        if (s3_header(c, "ETag", s3_quoted_etag(c, o->etag)) == 0 &&
            s3_header(c, "Last-Modified", date) == 0)
            c->resp->status = 304;
        return;
    }
    s3_error(c, "PreconditionFailed", "Condition", s3cond_read_name(failed), NULL);
}

static int range_reply_or_error(struct s3_call *c, const struct store_obj *o, int *ranged)
{
    const char *h = ly_req_header(c->req, "Range");
    struct byte_range r;
    int pr = h ? parse_range(h, o->size, &r) : 0;
    char tmp[96];
    *ranged = 0;
    if (pr < 0) {
        snprintf(tmp, sizeof tmp, "%" PRIu64, o->size);
        s3_error(c, "InvalidRange", "RangeRequested", h, "ActualObjectSize", tmp, NULL);
        snprintf(tmp, sizeof tmp, "bytes */%" PRIu64, o->size);
        return s3_header(c, "Content-Range", tmp) ? LY_ENOMEM : LY_ERANGE;
    }
    if (pr == 0)
        return 0;
    *ranged = 1;
    snprintf(tmp, sizeof tmp, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, r.first, r.last, o->size);
    if (s3_header(c, "Content-Range", tmp))
        return LY_ENOMEM;
    struct ly_buf *b = &c->resp->body;
    size_t n = (size_t)(r.last - r.first + 1);
    if (c->req->method == LY_GET) {
        memmove(b->data, b->data + r.first, n);
        b->len = n;
    } else {
        snprintf(tmp, sizeof tmp, "%zu", n);
        if (ly_resp_header_set(c->resp, c->a, "Content-Length", tmp))
            return LY_ENOMEM;
    }
    return 0;
}

/* 404 / 405 answers for delete markers carry x-amz-delete-marker and the marker's version. */
static void delete_marker_reply(struct s3_call *c, const struct store_obj *o, int by_version)
{
    char date[LY_HTTPDATE_LEN];
    const char *vid = s3_version_id(c, o);
    ly_httpdate_format(o->mtime_ms, date);
    if (by_version)
        s3_error(c, "MethodNotAllowed", "Method", c->req->method_name, "ResourceType",
                 "DeleteMarker", NULL);
    else
        s3_error(c, "NoSuchKey", "Key", c->req->key, NULL);
    if (s3_header(c, "x-amz-delete-marker", "true") || !vid ||
        s3_header(c, "x-amz-version-id", vid))
        return;
    if (by_version && s3_header(c, "Allow", "DELETE") == 0)
        (void)s3_header(c, "Last-Modified", date);
}

/* Reads the current object or ?versionId=; 0, or the error answer was sent. */
static int object_read_or_reply(struct s3_call *c, struct store_obj *o, struct ly_buf *body)
{
    int has;
    uint64_t seq;
    memset(o, 0, sizeof *o);
    if (s3_version_param_or_reply(c, &has, &seq))
        return LY_EINVAL;
    int rc = has ? store_obj_get_version(c->ctx->store, c->req->bucket, c->req->key, seq, c->a,
                                         o, body)
                 : store_obj_get(c->ctx->store, c->req->bucket, c->req->key, c->a, o, body);
    if (!rc && !(o->flags & STORE_OBJ_DELETE_MARKER))
        return 0;
    if (!rc || (rc == LY_ENOENT && (o->flags & STORE_OBJ_DELETE_MARKER)))
        delete_marker_reply(c, o, has);
    else if (rc == LY_ENOENT && has)
        s3_error(c, "NoSuchVersion", "Key", c->req->key, "VersionId",
                 ly_req_query(c->req, "versionId")->value, NULL);
    else
        s3_error_internal(c, rc);
    return rc ? rc : LY_ENOENT;
}

/* ?partNumber= or Range: narrows the body; 0, LY_ERANGE (answer sent) or another error. */
static int part_or_range(struct s3_call *c, const struct store_obj *o, int *ranged)
{
    const struct ly_qparam *pn = ly_req_query(c->req, "partNumber");
    long part;
    if (!pn)
        return range_reply_or_error(c, o, ranged);
    if (s3mpu_part_number_parse(pn->value, &part) != 0) {
        s3_error(c, "InvalidArgument", "Message",
                 "Part number must be an integer between 1 and 10000, inclusive", "ArgumentName",
                 "partNumber", "ArgumentValue", pn->value, NULL);
        return LY_ERANGE;
    }
    if (ly_req_header(c->req, "Range")) {
        s3_error(c, "InvalidRequest", "Message",
                 "Cannot specify both Range header and partNumber query parameter", NULL);
        return LY_ERANGE;
    }
    return s3_part_number_or_reply(c, o, part, ranged) ? LY_ERANGE : 0;
}

void s3_get_object(struct s3_call *c)
{
    struct store_obj o;
    int head = c->req->method == LY_HEAD, ranged, failed;
    if (object_read_or_reply(c, &o, head ? NULL : &c->resp->body))
        return;
    struct s3cond_read cond = {
        ly_req_header(c->req, "If-Match"), ly_req_header(c->req, "If-None-Match"),
        ly_req_header(c->req, "If-Modified-Since"), ly_req_header(c->req, "If-Unmodified-Since"),
    };
    enum s3cond_outcome out = c->req->ignore_conditions ? S3COND_PASS :
        s3cond_eval_read(&cond, o.etag, o.mtime_ms, c->req->now_ms, &failed);
    if (out != S3COND_PASS) {
        conditional_read_reply(c, &o, out, failed);
        return;
    }
    if (s3_object_headers(c, &o) || s3_header(c, "Accept-Ranges", "bytes") ||
        s3_version_header(c, &o))
        return;
    if (head) {
        char len[32];
        snprintf(len, sizeof len, "%" PRIu64, o.size);
        if (s3_header(c, "Content-Length", len))
            return;
        c->resp->has_body_length = 1;
    }
    int rc = part_or_range(c, &o, &ranged);
    if (rc == LY_ERANGE)
        return;
    if (!rc)
        rc = s3_checksum_headers(c, &o, ranged);
    if (rc || response_overrides(c)) {
        if (rc)
            s3_error(c, "InternalError", NULL);
        return;
    }
    c->resp->status = ranged ? 206 : 200;
}

struct delete_check {
    const char *if_match;
    int missing_is_412;
};

static int delete_check_fn(void *ctx, const struct store_obj *cur)
{
    struct delete_check *d = ctx;
    if (!d->if_match)
        return 0;
    if (!cur)
        return d->missing_is_412 ? LY_ECOND : LY_ENOENT;
    return s3cond_etag_list_match(d->if_match, cur->etag) ? 0 : LY_ECOND;
}

/* The x-amz-delete-marker / x-amz-version-id headers of a DeleteObject answer. */
static int delete_headers(struct s3_call *c, const struct store_del_result *res, int has)
{
    struct store_obj v;
    memset(&v, 0, sizeof v);
    v.seq = res->seq;
    v.flags = res->flags;
    int rc = 0;
    if (res->marker_created || res->deleted_marker)
        rc = s3_header(c, "x-amz-delete-marker", "true");
    if (!rc && has)
        rc = s3_header(c, "x-amz-version-id", ly_req_query(c->req, "versionId")->value);
    else if (!rc && res->marker_created)
        rc = s3_header(c, "x-amz-version-id", s3_version_id(c, &v));
    return rc;
}

void s3_delete_object(struct s3_call *c)
{
    static const char *const dir_only[] = {"x-amz-if-match-last-modified-time",
                                           "x-amz-if-match-size"};
    for (size_t i = 0; i < 2; i++) {
        if (ly_req_header(c->req, dir_only[i])) {
            s3_error(c, "NotImplemented", "Header", dir_only[i], NULL);
            return;
        }
    }
    int has;
    uint64_t seq;
    if (s3_key_ok_or_reply(c) || s3_version_param_or_reply(c, &has, &seq))
        return;
    struct delete_check d = {ly_req_header(c->req, "If-Match"),
                             c->ctx->config->delete_if_match_missing};
    struct s3_policy_ask ask = {has ? "s3:DeleteObjectVersion" : "s3:DeleteObject", c->req->key,
                                ly_req_header(c->req, "If-None-Match"), d.if_match, 0};
    if (s3_policy_allows_or_reply(c, &ask))
        return;
    struct store_del_result res;
    int rc = store_obj_delete_version(c->ctx->store, c->req->bucket, c->req->key,
                                      has ? &seq : NULL,
                                      c->req->ignore_conditions ? NULL : delete_check_fn, &d,
                                      c->req->now_ms, &res);
    if (rc == LY_ECOND)
        s3_error(c, "PreconditionFailed", "Condition", "If-Match", NULL);
    else if (rc)
        s3_error_internal(c, rc);
    else if (delete_headers(c, &res, has) == 0)
        c->resp->status = 204;
}
