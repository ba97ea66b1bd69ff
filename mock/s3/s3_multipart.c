/*
 * s3_multipart.c - CreateMultipartUpload, UploadPart, UploadPartCopy, AbortMultipartUpload.
 * Parts are stored with the upload and never visible as objects (completion:
 * s3_multipart_complete.c; GET/HEAD ?partNumber= of a completed object: s3_request.c).
 */
#include "s3_internal.h"
#include "lockyard/checksum.h"
#include "lockyard/httpdate.h"
#include "lockyard/mpu.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PART_BYTES_MAX_AWS (5ull << 30)

static uint64_t part_bytes_max(const struct s3_call *c)
{
    uint64_t m = c->ctx->config->part_bytes_max ? c->ctx->config->part_bytes_max
                                                : PART_BYTES_MAX_AWS;
    return m < c->ctx->config->object_bytes_max ? m : c->ctx->config->object_bytes_max;
}

/* x-amz-checksum-algorithm / x-amz-checksum-type of CreateMultipartUpload; 0 or replied. */
static int upload_checksum_or_reply(struct s3_call *c, struct store_upload *u)
{
    const char *alg = ly_req_header(c->req, "x-amz-checksum-algorithm");
    const char *type = ly_req_header(c->req, "x-amz-checksum-type");
    enum cksum_alg a;
    if (alg && cksum_alg_from_name(alg, strlen(alg), &a) != 0) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "Checksum algorithm provided is unsupported. "
                 "Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, "
                 "SHA1, SHA256]",
                 NULL);
        return LY_EINVAL;
    }
    if (type && strcmp(type, "COMPOSITE") != 0 && strcmp(type, "FULL_OBJECT") != 0) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "Value for x-amz-checksum-type header is invalid.", NULL);
        return LY_EINVAL;
    }
    if (type && !alg) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "The x-amz-checksum-type header can only be used "
                 "with the x-amz-checksum-algorithm header.",
                 NULL);
        return LY_EINVAL;
    }
    if (!alg)
        return 0;
    if (!type)
        type = a == CKSUM_CRC64NVME ? "FULL_OBJECT" : "COMPOSITE";
    if ((strcmp(type, "FULL_OBJECT") == 0 && (a == CKSUM_SHA1 || a == CKSUM_SHA256)) ||
        (strcmp(type, "COMPOSITE") == 0 && a == CKSUM_CRC64NVME)) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 ly_arena_printf(c->a,
                                 "The %s checksum type "
                                 "cannot be used with the %s checksum algorithm.",
                                 type, cksum_alg_name(a)),
                 NULL);
        return LY_EINVAL;
    }
    u->meta.checksum_alg = cksum_alg_name(a);
    u->checksum_type = type;
    return 0;
}

void s3_create_multipart_upload(struct s3_call *c)
{
    struct store_upload u;
    memset(&u, 0, sizeof u);
    u.key = c->req->key;
    u.initiated_ms = c->req->now_ms;
    u.meta.etag = "";
    struct s3_policy_ask ask = {c->route->action, c->req->key, NULL, NULL, 0};
    if (s3_key_ok_or_reply(c) || s3_policy_allows_or_reply(c, &ask) ||
        s3_object_meta_from_req_or_reply(c, &u.meta) || upload_checksum_or_reply(c, &u))
        return;
    int rc = store_upload_create(c->ctx->store, c->req->bucket, &u, c->a);
    if (rc) {
        s3_error_internal(c, rc);
        return;
    }
    struct ly_buf *b = &c->resp->body;
    rc = s3_xml_begin(b, "InitiateMultipartUploadResult");
    if (!rc)
        rc = s3_xml_elem(b, "Bucket", c->req->bucket);
    if (!rc)
        rc = s3_xml_elem(b, "Key", c->req->key);
    if (!rc)
        rc = s3_xml_elem(b, "UploadId", u.upload_id);
    if (!rc)
        rc = ly_buf_adds(b, "</InitiateMultipartUploadResult>");
    if (!rc)
        rc = s3_header(c, "x-amz-server-side-encryption", "AES256");
    if (!rc && u.checksum_type)
        rc = s3_header(c, "x-amz-checksum-algorithm", u.meta.checksum_alg) ||
             s3_header(c, "x-amz-checksum-type", u.checksum_type);
    if (rc)
        s3_error_internal(c, rc);
    else
        s3_xml_done(c, 200);
}

int s3_upload_or_reply(struct s3_call *c, struct store_upload *u)
{
    const struct ly_qparam *q = ly_req_query(c->req, "uploadId");
    int rc = store_upload_get(c->ctx->store, c->req->bucket, q->value, c->a, u);
    if (!rc && strcmp(u->key, c->req->key) != 0)
        rc = LY_ENOENT;
    if (rc == LY_ENOENT)
        s3_error(c, AWS_S3_NO_SUCH_UPLOAD, "UploadId", q->value, NULL);
    else if (rc)
        s3_error_internal(c, rc);
    return rc;
}

/* partNumber of UploadPart / UploadPartCopy; 0 or replied. */
static int part_number_or_reply(struct s3_call *c, long *n)
{
    const struct ly_qparam *q = ly_req_query(c->req, "partNumber");
    if (s3mpu_part_number_parse(q->value, n) == 0)
        return 0;
    s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
             "Part number must be an integer between 1 and 10000, inclusive", "ArgumentName",
             "partNumber", "ArgumentValue", q->value, NULL);
    return LY_EINVAL;
}

static int part_too_large_or_reply(struct s3_call *c, uint64_t size)
{
    if (size <= part_bytes_max(c))
        return 0;
    char got[32], max[32];
    snprintf(got, sizeof got, "%" PRIu64, size);
    snprintf(max, sizeof max, "%" PRIu64, part_bytes_max(c));
    s3_error(c, AWS_S3_ENTITY_TOO_LARGE, "ProposedSize", got, "MaxSizeAllowed", max, NULL);
    return LY_ETOOBIG;
}

static void part_stored_reply(struct s3_call *c, int rc)
{
    if (rc == LY_ENOENT)
        s3_error(c, AWS_S3_NO_SUCH_UPLOAD, "UploadId", ly_req_query(c->req, "uploadId")->value,
                 NULL);
    else if (rc)
        s3_error_internal(c, rc);
}

/* The part's CRC in the algorithm its upload's full-object checksum combines at completion
 * (the upload's CRC, or CRC64NVME for an upload created without an algorithm; none for a
 * COMPOSITE one): net took every CRC of a large body as it came. 0 or LY_E*. */
static int part_crc(struct s3_call *c, const struct store_upload *u, struct store_obj *part)
{
    enum cksum_alg alg = CKSUM_CRC64NVME;
    const char *name = u->meta.checksum_alg;
    char b64[CKSUM_B64_MAX];
    if ((u->checksum_type && strcmp(u->checksum_type, "FULL_OBJECT") != 0) ||
        (name && (cksum_alg_from_name(name, strlen(name), &alg) != 0 || !cksum_alg_is_crc(alg))))
        return 0;
    int rc = s3_body_cksum_b64(c, alg, b64);
    if (!rc)
        part->part_crc = ly_arena_strdup(c->a, b64);
    return rc ? rc : part->part_crc ? 0 : LY_ENOMEM;
}

/* An UploadPart's state, kept in the arena while its checksum is computed off the loop. */
struct part_put {
    struct store_upload u;
    struct store_obj part;
    long n;
    char etag[CKSUM_MD5_HEX_SIZE];
};

static void part_put_store(struct s3_call *c, struct part_put *pp)
{
    int rc = store_part_put(c->ctx->store, c->req->bucket, c->req->key, pp->u.upload_id, pp->n,
                            &pp->part, c->req->body);
    c->req->body_blob_kept = rc == 0 && pp->part.blob;
    if (rc)
        part_stored_reply(c, rc);
    else if (s3_header(c, "ETag", s3_quoted_etag(c, pp->etag)) == 0 &&
             s3_header(c, "x-amz-server-side-encryption", "AES256") == 0)
        c->resp->status = 200;
}

/* The part's SHA-1 / SHA-256, computed off the loop: kept with it and echoed. */
static void part_put_finish(struct s3_pass_job *j)
{
    struct part_put *pp = j->state;
    enum cksum_alg alg = (enum cksum_alg)j->pass.alg;
    pp->part.checksum_alg = cksum_alg_name(alg);
    pp->part.checksum_value = ly_arena_strdup(j->c.a, j->pass.cksum_b64);
    store_blob_pass_cleanup(&j->pass);
    if (!pp->part.checksum_value) {
        s3_error(&j->c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    if (s3_header(&j->c, cksum_alg_header(alg), pp->part.checksum_value) == 0)
        part_put_store(&j->c, pp);
}

/* The body's checksum by alg, off the loop: its file (the request's own) is read once. */
static void part_put_pass(struct s3_call *c, struct part_put *pp, int alg)
{
    struct store_obj body;
    memset(&body, 0, sizeof body);
    body.blob = c->req->body_blob;
    body.size = c->req->body_len;
    struct s3_pass_job *j = s3_pass_new(c, &body, 0, body.size);
    if (!j)
        return;
    j->pass.alg = alg;
    j->pass.no_md5 = 1; /* net took it as the body came */
    j->finish = part_put_finish;
    j->state = pp;
    s3_pass_start(j);
}

void s3_upload_part(struct s3_call *c)
{
    struct part_put *pp = ly_arena_calloc(c->a, sizeof *pp);
    int later = -1;
    if (!pp) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    struct s3_policy_ask ask = {c->route->action, c->req->key, NULL, NULL, 0};
    if (part_number_or_reply(c, &pp->n) || s3_policy_allows_or_reply(c, &ask) ||
        s3_upload_or_reply(c, &pp->u) || part_too_large_or_reply(c, c->req->body_len) ||
        s3_content_md5_ok_or_reply(c) ||
        s3_checksum_part_or_reply(c, pp->u.meta.checksum_alg, &pp->part, &later))
        return;
    if (s3_body_md5_hex(c, pp->etag) != 0) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    pp->part.etag = pp->etag;
    pp->part.size = c->req->body_len;
    pp->part.mtime_ms = c->req->now_ms;
    pp->part.blob = c->req->body_blob; /* a large body net spooled: the part refers to its file */
    if (part_crc(c, &pp->u, &pp->part) != 0) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    if (later >= 0)
        part_put_pass(c, pp, later);
    else
        part_put_store(c, pp);
}

/* x-amz-copy-source-range: the first byte and the length of the range of the source's bytes
 * (all of them without one); 0 or replied. */
static int copy_range_or_reply(struct s3_call *c, const struct store_obj *so, uint64_t *first,
                               uint64_t *n)
{
    const char *h = ly_req_header(c->req, "x-amz-copy-source-range");
    uint64_t last = so->size ? so->size - 1 : 0;
    *first = 0;
    int rc = h ? s3mpu_copy_range_parse(h, so->size, first, &last) : 0;
    if (rc == LY_EINVAL) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                 "The x-amz-copy-source-range value must be of "
                 "the form bytes=first-last where first and last are the zero-based offsets of "
                 "the first and last bytes to copy",
                 "ArgumentName", "x-amz-copy-source-range", "ArgumentValue", h, NULL);
        return rc;
    }
    if (rc) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message",
                 ly_arena_printf(c->a,
                                 "Range specified is not "
                                 "valid for source object of size: %" PRIu64,
                                 so->size),
                 "ArgumentName", "x-amz-copy-source-range", "ArgumentValue", h, NULL);
        return rc;
    }
    *n = so->size ? last - *first + 1 : 0;
    return 0;
}

/* body becomes the range's bytes (a small range: read here, on the loop); 0 or replied. */
static int copy_range_bytes_or_reply(struct s3_call *c, const struct store_obj *so, uint64_t first,
                                     uint64_t n, struct ly_buf *body)
{
    if (so->blob)
        return s3_copy_source_bytes_or_reply(c, so, first, n, body);
    if (n)
        memmove(body->data, body->data + first, (size_t)n);
    body->len = (size_t)n;
    return 0;
}

static int part_copy_result(struct s3_call *c, const struct store_obj *part,
                            const struct s3_copy_source *src, const struct store_obj *so)
{
    char date[LY_ISODATE_LEN];
    ly_isodate_format(part->mtime_ms, date);
    struct ly_buf *b = &c->resp->body;
    int rc = s3_xml_begin(b, "CopyPartResult");
    if (!rc)
        rc = s3_xml_elem(b, "LastModified", date);
    if (!rc)
        rc = ly_buf_addf(b, "<ETag>&quot;%s&quot;</ETag>", part->etag);
    if (!rc)
        rc = ly_buf_adds(b, "</CopyPartResult>");
    if (!rc && (src->version_id || (so->flags & STORE_OBJ_VERSIONED)))
        rc = s3_header(c, "x-amz-copy-source-version-id", s3_version_id(c, so));
    if (!rc)
        rc = s3_header(c, "x-amz-server-side-encryption", "AES256");
    return rc;
}

/* An UploadPartCopy's state, kept in the arena while its pass runs off the loop. */
struct part_copy {
    struct store_upload u;
    struct s3_copy_source src;
    struct store_obj so;
    long n;
    enum cksum_alg alg;
};

/* Stores the part (blob: the new file with its bytes, or NULL with body) and answers. */
static void part_copy_store(struct s3_call *c, struct part_copy *pc, const char *etag,
                            const char *ck, uint64_t size, const char *blob, const void *body)
{
    struct store_obj part;
    memset(&part, 0, sizeof part);
    part.etag = etag;
    part.size = size;
    part.mtime_ms = c->req->now_ms;
    part.checksum_alg = cksum_alg_name(pc->alg);
    part.checksum_value = ck;
    part.blob = blob;
    if ((!pc->u.checksum_type || strcmp(pc->u.checksum_type, "FULL_OBJECT") == 0) &&
        cksum_alg_is_crc(pc->alg))
        part.part_crc = ck; /* combined into the object's full-object checksum */
    int rc = store_part_put(c->ctx->store, c->req->bucket, c->req->key, pc->u.upload_id, pc->n,
                            &part, body);
    if (rc && blob)
        store_blob_discard(c->ctx->store, blob); /* not stored (e.g. the upload went) */
    if (rc)
        part_stored_reply(c, rc);
    else if (part_copy_result(c, &part, &pc->src, &pc->so) == 0)
        s3_xml_done(c, 200);
}

/* The range's pass ended: its MD5 and checksum are the part's, its new file the part's body. */
static void part_copy_finish(struct s3_pass_job *j)
{
    struct part_copy *pc = j->state;
    char etag[CKSUM_MD5_HEX_SIZE];
    cksum_hex(j->pass.md5, sizeof j->pass.md5, etag);
    store_blob_pass_cleanup(&j->pass);
    part_copy_store(&j->c, pc, etag, j->pass.cksum_b64, j->pass.len, j->pass.id, NULL);
}

/* A large range of a source in blob files: read, hashed and written to a new file off the
 * loop. 0 (the job runs) or replied. */
static int part_copy_pass_or_reply(struct s3_call *c, struct part_copy *pc, uint64_t first,
                                   uint64_t n)
{
    struct s3_pass_job *j = s3_pass_new(c, &pc->so, first, n);
    if (!j)
        return LY_ENOMEM;
    j->pass.alg = (int)pc->alg;
    j->pass.write = 1;
    j->finish = part_copy_finish;
    j->state = pc;
    s3_pass_start(j);
    return 0;
}

static void upload_part_copy(struct s3_call *c, struct part_copy *pc, struct ly_buf *body)
{
    char etag[CKSUM_MD5_HEX_SIZE], ck[CKSUM_B64_MAX];
    uint64_t first, n;
    struct s3_policy_ask ask = {c->route->action, c->req->key, NULL, NULL, 0};
    if (part_number_or_reply(c, &pc->n) || s3_copy_source_or_reply(c, &pc->src) ||
        s3_policy_allows_or_reply(c, &ask) || s3_upload_or_reply(c, &pc->u) ||
        s3_copy_source_read_or_reply(c, &pc->src, &pc->so, body) ||
        s3_copy_source_cond_or_reply(c, &pc->so) || copy_range_or_reply(c, &pc->so, &first, &n) ||
        part_too_large_or_reply(c, n))
        return;
    pc->alg = CKSUM_CRC64NVME;
    if (pc->u.meta.checksum_alg)
        (void)cksum_alg_from_name(pc->u.meta.checksum_alg, strlen(pc->u.meta.checksum_alg),
                                  &pc->alg);
    if (pc->so.blob && n >= STORE_BLOB_MIN_BYTES) {
        (void)part_copy_pass_or_reply(c, pc, first, n);
        return;
    }
    if (copy_range_bytes_or_reply(c, &pc->so, first, n, body))
        return;
    if (cksum_md5_hex(body->data ? body->data : "", body->len, etag) != 0 ||
        cksum_compute_b64(pc->alg, body->data ? body->data : "", body->len, ck) != 0) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    part_copy_store(c, pc, etag, ck, body->len, NULL, body->data);
}

void s3_upload_part_copy(struct s3_call *c)
{
    struct part_copy *pc = ly_arena_calloc(c->a, sizeof *pc);
    struct ly_buf body;
    if (!pc) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    ly_buf_init(&body, c->ctx->config->object_bytes_max);
    upload_part_copy(c, pc, &body);
    ly_buf_cleanup(&body);
}

void s3_abort_multipart_upload(struct s3_call *c)
{
    struct store_upload u;
    if (s3_upload_or_reply(c, &u))
        return;
    int rc = store_upload_abort(c->ctx->store, c->req->bucket, u.upload_id);
    if (rc == LY_ENOENT)
        s3_error(c, AWS_S3_NO_SUCH_UPLOAD, "UploadId", u.upload_id, NULL);
    else if (rc)
        s3_error_internal(c, rc);
    else
        c->resp->status = 204;
}
