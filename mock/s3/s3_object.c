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

#include <inttypes.h>
#include "lockyard/checksum.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Verifies Content-MD5 when sent: 0, or the InvalidDigest / BadDigest answer was sent. */
int s3_content_md5_ok_or_reply(struct s3_call *c)
{
    const char *b64 = ly_req_header(c->req, "Content-MD5");
    uint8_t want[CKSUM_MD5_LEN], got[CKSUM_MD5_LEN];
    if (!b64)
        return 0;
    if (cksum_content_md5_parse(b64, strlen(b64), want) != 0) {
        s3_error(c, AWS_S3_INVALID_DIGEST, "Content-MD5", b64, NULL);
        return LY_EINVAL;
    }
    if (s3_body_md5(c, got) != 0 || memcmp(want, got, 16) != 0) {
        s3_error(c, AWS_S3_BAD_DIGEST, "ExpectedDigest", b64, NULL);
        return LY_ECOND;
    }
    return 0;
}

struct write_check {
    struct s3_policy_gate gate; /* the bucket policy, decided inside the write transaction */
    struct s3cond_write cond;
    const char *condition;
    int ignore_conditions; /* a fault rule's ignore_conditions */
    struct s3_call *call;  /* the body whose MD5 becomes the ETag, */
    char *etag;            /* written here once the write goes ahead, */
    struct store_obj *obj; /* and the default checksum (s3_checksum_fill) */
};

/* Inside the write transaction: the preconditions, then (the write going ahead) the ETag,
 * the MD5 net computed as the body arrived (computed here only for a body it did not take). */
static int write_check_fn(void *ctx, const struct store_obj *cur)
{
    struct write_check *w = ctx;
    int rc = w->ignore_conditions
                 ? 0
                 : s3cond_eval_write(&w->cond, cur ? cur->etag : NULL, &w->condition);
    if (!rc && s3_body_md5_hex(w->call, w->etag) != 0)
        rc = LY_EIO;
    if (!rc && s3_checksum_fill(w->call, w->obj) != 0)
        rc = LY_EIO;
    if (!rc && w->call->req->etag_random && s3_random_etag(w->etag) != 0)
        rc = LY_EIO;
    return rc;
}

static int write_conf_fn(void *ctx, const struct store_bconf *conf)
{
    struct write_check *w = ctx;
    return s3_policy_gate_fn(&w->gate, conf);
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
    s3_error(c, AWS_S3_NOT_IMPLEMENTED, "Header", why.header, "additionalMessage",
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
        s3_error(c, AWS_S3_MISSING_CONTENT_LENGTH, NULL);
        return;
    }
    if (s3_key_ok_or_reply(c) || write_cond_or_reply(c, &w))
        return;
    if (c->req->body_len > c->ctx->config->object_bytes_max) {
        char max[32];
        snprintf(size, sizeof size, "%zu", c->req->body_len);
        snprintf(max, sizeof max, "%" PRIu64, c->ctx->config->object_bytes_max);
        s3_error(c, AWS_S3_ENTITY_TOO_LARGE, "ProposedSize", size, "MaxSizeAllowed", max, NULL);
        return;
    }
    if (s3_content_md5_ok_or_reply(c) || s3_object_meta_from_req_or_reply(c, &o) ||
        s3_checksum_put_or_reply(c, &o))
        return;
    w.ignore_conditions = c->req->ignore_conditions;
    w.call = c;
    w.etag = etag;
    w.obj = &o;
    etag[0] = '\0';
    o.etag = etag; /* filled by write_check_fn before the record is written */
    o.size = c->req->body_len;
    o.mtime_ms = c->req->now_ms;
    struct s3_policy_gate gate = {
        c, {c->route->action, c->req->key, w.cond.if_none_match, w.cond.if_match, 1}, 0};
    w.gate = gate;
    struct store_write_hooks h = {write_conf_fn, write_check_fn, &w};
    o.blob = c->req->body_blob; /* a large body net spooled: the record refers to its file */
    int rc = store_obj_write(c->ctx->store, c->req->bucket, c->req->key, &o, c->req->body, &h);
    c->req->body_blob_kept = rc == 0 && o.blob;
    if (rc && s3_policy_gate_refused(&w.gate)) {
        s3_policy_gate_reply(c, &w.gate);
        return;
    }
    if (rc == LY_ECOND) {
        s3_error(c, AWS_S3_PRECONDITION_FAILED, "Condition", w.condition, NULL);
        return;
    }
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    if (s3_header_ref(c, "ETag", s3_quoted_etag(c, etag)) == 0 &&
        s3_header_ref(c, "x-amz-server-side-encryption", "AES256") == 0 &&
        s3_version_header(c, &o) == 0)
        c->resp->status = 200;
}

int s3_object_headers(struct s3_call *c, const struct store_obj *o)
{
    char *date = ly_arena_alloc(c->a, LY_HTTPDATE_LEN);
    if (date)
        ly_httpdate_format(o->mtime_ms, date);
    int rc = s3_header_ref(c, "ETag", s3_quoted_etag(c, o->etag)); /* in c->a */
    if (!rc)
        rc = s3_header_ref(c, "Last-Modified", date);
    const struct {
        const char *name, *value;
    } h[] = {
        {"Content-Type", o->content_type},
        {"Content-Encoding", o->content_encoding},
        {"Content-Disposition", o->content_disposition},
        {"Content-Language", o->content_language},
        {"Cache-Control", o->cache_control},
        {"Expires", o->expires},
        {"x-amz-storage-class", o->storage_class},
    };
    /* o was read into c->a (s3_object_read_or_reply): its strings last as long as the answer */
    for (size_t i = 0; !rc && i < sizeof h / sizeof h[0]; i++)
        if (h[i].value)
            rc = s3_header_ref(c, h[i].name, h[i].value);
    for (size_t i = 0; !rc && i < o->nmeta; i++) {
        char *name = ly_arena_printf(c->a, "x-amz-meta-%s", o->meta[i].name);
        const char *value = s3meta_encode(c->a, o->meta[i].value);
        rc = name ? s3_header_ref(c, name, value) : s3_header_ref(c, "", NULL);
    }
    if (!rc)
        rc = s3_header_ref(c, "x-amz-server-side-encryption", "AES256");
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
            s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
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

static int range_reply_or_error(struct s3_call *c, const struct store_obj *o, int *ranged)
{
    const char *h = ly_req_header(c->req, "Range");
    struct byte_range r;
    int pr = h ? parse_range(h, o->size, &r) : 0;
    char tmp[96];
    *ranged = 0;
    if (pr < 0) {
        snprintf(tmp, sizeof tmp, "%" PRIu64, o->size);
        s3_error(c, AWS_S3_INVALID_RANGE, "RangeRequested", h, "ActualObjectSize", tmp, NULL);
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
    if (c->req->method == LY_GET && o->blob) {
        return s3_blob_body(c, o, r.first, n);
    } else if (c->req->method == LY_GET) {
        memmove(b->data, b->data + r.first, n);
        b->len = n;
    } else {
        snprintf(tmp, sizeof tmp, "%zu", n);
        if (ly_resp_header_set(c->resp, c->a, "Content-Length", tmp))
            return LY_ENOMEM;
    }
    return 0;
}

/* ?partNumber= or Range: narrows the body; 0, LY_ERANGE (answer sent) or another error. */
static int part_or_range(struct s3_call *c, const struct store_obj *o, int *ranged)
{
    const struct ly_qparam *pn = ly_req_query(c->req, "partNumber");
    long part;
    if (!pn)
        return range_reply_or_error(c, o, ranged);
    if (s3mpu_part_number_parse(pn->value, &part) != 0) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                 "Part number must be an integer between 1 and 10000, inclusive", "ArgumentName",
                 "partNumber", "ArgumentValue", pn->value, NULL);
        return LY_ERANGE;
    }
    if (ly_req_header(c->req, "Range")) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "Cannot specify both Range header and partNumber query parameter", NULL);
        return LY_ERANGE;
    }
    return s3_part_number_or_reply(c, o, part, ranged) ? LY_ERANGE : 0;
}

void s3_get_object(struct s3_call *c)
{
    struct store_obj o;
    int head = c->req->method == LY_HEAD, ranged;
    if (s3_object_read_or_reply(c, &o, head ? NULL : &c->resp->body) ||
        s3_read_cond_or_reply(c, &o))
        return;
    if (s3_object_headers(c, &o) || s3_header_ref(c, "Accept-Ranges", "bytes") ||
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
    if (!rc && !head && !ranged && o.blob) /* the whole body, from its files */
        rc = s3_blob_body(c, &o, 0, o.size);
    if (!rc)
        rc = s3_checksum_headers(c, &o, ranged);
    if (rc || response_overrides(c)) {
        if (rc)
            s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    c->resp->status = ranged ? 206 : 200;
}

struct delete_check {
    struct s3_policy_gate gate;
    const char *if_match;
    int missing_is_412;
    int ignore_conditions;
};

static int delete_conf_fn(void *ctx, const struct store_bconf *conf)
{
    struct delete_check *d = ctx;
    return s3_policy_gate_fn(&d->gate, conf);
}

static int delete_check_fn(void *ctx, const struct store_obj *cur)
{
    struct delete_check *d = ctx;
    if (!d->if_match || d->ignore_conditions)
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
            s3_error(c, AWS_S3_NOT_IMPLEMENTED, "Header", dir_only[i], NULL);
            return;
        }
    }
    int has;
    uint64_t seq;
    if (s3_key_ok_or_reply(c) || s3_version_param_or_reply(c, &has, &seq))
        return;
    const char *if_match = ly_req_header(c->req, "If-Match");
    struct delete_check d = {{c,
                              {has ? "s3:DeleteObjectVersion" : c->route->action, c->req->key,
                               ly_req_header(c->req, "If-None-Match"), if_match, 0},
                              0},
                             if_match,
                             c->ctx->config->delete_if_match_missing,
                             c->req->ignore_conditions};
    struct store_write_hooks h = {delete_conf_fn, delete_check_fn, &d};
    struct store_del_result res;
    int rc = store_obj_delete_version(c->ctx->store, c->req->bucket, c->req->key, has ? &seq : NULL,
                                      &h, c->req->now_ms, &res);
    if (rc && s3_policy_gate_refused(&d.gate))
        s3_policy_gate_reply(c, &d.gate);
    else if (rc == LY_ECOND)
        s3_error(c, AWS_S3_PRECONDITION_FAILED, "Condition", "If-Match", NULL);
    else if (rc)
        s3_error_internal(c, rc);
    else if (delete_headers(c, &res, has) == 0)
        c->resp->status = 204;
}
