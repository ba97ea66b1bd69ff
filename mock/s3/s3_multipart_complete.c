/*
 * s3_multipart_complete.c - CompleteMultipartUpload: the part list (InvalidPartOrder,
 * InvalidPart, EntityTooSmall), the multipart ETag and checksum, and If-None-Match / If-Match
 * evaluated inside the store's write transaction (docs/conditional-writes.md): a 412 or
 * 404 leaves the upload in place; 409 ConditionalRequestConflict when the key was deleted
 * (If-None-Match) or written (If-Match) since the upload was initiated, detected through the
 * current object's commit seq recorded at initiation.
 *
 * A retried completion (same upload id, key and part list) after one that succeeded answers
 * 200 with the first answer's ETag, Location and checksum, without evaluating conditions again:
 * the lost acknowledgement that lock and manifest writers retry. AWS documents no period for
 * this (only that a completed upload id may answer NoSuchUpload); lockyard keeps the result
 * for S3_MPU_DONE_WINDOW_MS of server clock, then answers NoSuchUpload.
 */
#include "s3_internal.h"
#include "lockyard/checksum.h"
#include "lockyard/s3cond.h"
#include "lockyard/mpu.h"

#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PART_BYTES_MIN_AWS (5ull << 20)
#define S3_MPU_DONE_WINDOW_MS (24LL * 3600 * 1000)

enum verdict { V_OK, V_PARTS, V_412, V_404, V_409 };

struct complete_ctx {
    struct s3_call *c;
    struct s3mpu_listed *listed;
    long *numbers;
    size_t n;
    struct s3cond_write cond;
    enum verdict verdict;
    enum s3mpu_problem problem;
    long bad;
    const struct store_obj *bad_part;
    const char *condition;
    char etag[S3MPU_ETAG_SIZE];
    char checksum[CKSUM_B64_MAX + 8];
    const char *checksum_type;
    int explicit_checksum;         /* the upload was created with x-amz-checksum-algorithm */
    struct store_upload_done done; /* recorded with the object, for retries */
};

static int parse_part(struct complete_ctx *x, xmlNodePtr part, struct s3mpu_listed *l)
{
    const char *num = NULL;
    l->etag = NULL;
    for (xmlNodePtr n = part->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, "PartNumber") == 0)
            num = s3_xml_text(x->c, n);
        else if (strcmp((const char *)n->name, "ETag") == 0)
            l->etag = s3_xml_text(x->c, n);
    }
    char *end;
    if (!num || !*num)
        return LY_EINVAL;
    l->number = strtol(num, &end, 10);
    return *end ? LY_EINVAL : 0;
}

/* Reads <CompleteMultipartUpload><Part>…; LY_EINVAL answers MalformedXML. */
static int parse_list(struct complete_ctx *x)
{
    struct s3_call *c = x->c;
    xmlDocPtr doc;
    xmlNodePtr root = s3_xml_read(c, "CompleteMultipartUpload", &doc);
    int rc = root ? 0 : LY_EINVAL;
    x->listed = ly_arena_calloc(c->a, (S3MPU_PARTS_MAX + 1) * sizeof *x->listed);
    x->numbers = ly_arena_calloc(c->a, (S3MPU_PARTS_MAX + 1) * sizeof *x->numbers);
    if (!x->listed || !x->numbers)
        rc = LY_ENOMEM;
    for (xmlNodePtr n = root ? root->children : NULL; !rc && n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "Part") != 0)
            continue;
        if (x->n == S3MPU_PARTS_MAX)
            rc = LY_EINVAL;
        else
            rc = parse_part(x, n, &x->listed[x->n]);
        if (!rc)
            x->numbers[x->n] = x->listed[x->n].number;
        x->n++;
    }
    xmlFreeDoc(doc);
    return rc ? rc : x->n ? 0 : LY_EINVAL;
}

/* The preconditions at completion (A.3): 0, or LY_ECOND with x->verdict. */
static int eval_conditions(struct complete_ctx *x, const struct store_upload *u,
                           const struct store_obj *cur)
{
    int rc = s3cond_eval_write(&x->cond, cur ? cur->etag : NULL, &x->condition);
    if (rc == LY_ECOND) {
        x->verdict = V_412;
    } else if (rc == LY_ENOENT) {
        x->verdict = V_404;
    } else if (x->cond.if_none_match && u->init_seq != 0) {
        x->verdict = V_409; /* existed at initiation, deleted since */
        x->condition = "If-None-Match";
    } else if (x->cond.if_match && cur->seq != u->init_seq) {
        x->verdict = V_409; /* written (or deleted and re-created) since initiation */
        x->condition = "If-Match";
    } else {
        return 0;
    }
    return LY_ECOND;
}

/* A part's checksum by alg as raw bytes: the one kept with it (UploadPart: want == 2 its
 * part_crc, else its checksum), or computed from its bytes in LMDB (a part stored before
 * lockyard kept it; a part in a blob file always has it). */
static int part_digest(enum cksum_alg alg, const struct store_obj *p, const void *body, int crc,
                       uint8_t raw[CKSUM_DIGEST_MAX], size_t *len)
{
    const char *v = crc ? p->part_crc : NULL;
    if (!v && p->checksum_alg && p->checksum_value &&
        strcmp(p->checksum_alg, cksum_alg_name(alg)) == 0)
        v = p->checksum_value;
    if (v && cksum_b64_decode(v, strlen(v), raw, CKSUM_DIGEST_MAX, len) == 0 &&
        *len == cksum_alg_digest_len(alg))
        return 0;
    if (!body && p->size)
        return LY_EIO;
    return cksum_compute(alg, body ? body : "", p->size, raw, len);
}

static uint64_t be_value(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* FULL_OBJECT: the CRC of the whole object from the parts' CRCs and sizes (the GF(2) combine),
 * never from the bytes. */
static int full_object_crc(struct complete_ctx *x, enum cksum_alg alg,
                           const struct store_obj *const *parts, const void *const *bodies)
{
    uint64_t acc = 0; /* the CRC of nothing */
    int rc = cksum_alg_is_crc(alg) ? 0 : LY_EIO;
    for (size_t i = 0; !rc && i < x->n; i++) {
        uint8_t raw[CKSUM_DIGEST_MAX];
        size_t len;
        rc = part_digest(alg, parts[i], bodies[i], 1, raw, &len);
        if (!rc)
            rc = cksum_crc_combine(alg, acc, be_value(raw, len), parts[i]->size, &acc);
    }
    return rc ? rc : cksum_crc_to_b64(alg, acc, x->checksum);
}

/* COMPOSITE: the checksum of the parts' checksums, "-N". */
static int composite(struct complete_ctx *x, enum cksum_alg alg,
                     const struct store_obj *const *parts, const void *const *bodies)
{
    struct cksum_ctx ck;
    int rc = cksum_init(&ck, alg);
    for (size_t i = 0; !rc && i < x->n; i++) {
        uint8_t raw[CKSUM_DIGEST_MAX];
        size_t len;
        rc = part_digest(alg, parts[i], bodies[i], 0, raw, &len);
        if (!rc)
            rc = cksum_update(&ck, raw, len);
    }
    if (!rc)
        rc = cksum_final_b64(&ck, x->checksum);
    cksum_cleanup(&ck);
    if (!rc)
        snprintf(x->checksum + strlen(x->checksum), 8, "-%zu", x->n);
    return rc;
}

/* The object's checksum, from the parts' checksums: composite, or full-object (the default). */
static int object_checksum(struct complete_ctx *x, const struct store_upload *u,
                           const struct store_obj *const *parts, const void *const *bodies,
                           struct store_obj *obj)
{
    enum cksum_alg alg = CKSUM_CRC64NVME;
    const char *alg_name = u->meta.checksum_alg;
    if (alg_name && cksum_alg_from_name(alg_name, strlen(alg_name), &alg) != 0)
        return LY_EIO;
    int is_composite = u->checksum_type && strcmp(u->checksum_type, "COMPOSITE") == 0;
    x->explicit_checksum = alg_name != NULL;
    int rc = is_composite ? composite(x, alg, parts, bodies)
                          : full_object_crc(x, alg, parts, bodies);
    obj->checksum_alg = cksum_alg_name(alg);
    obj->checksum_value = x->checksum;
    x->checksum_type = is_composite ? "COMPOSITE" : "FULL_OBJECT";
    x->done.checksum_type = x->explicit_checksum ? x->checksum_type : NULL;
    return rc;
}

static int complete_fn(void *ctx, const struct store_upload *u,
                       const struct store_obj *const *parts, const void *const *bodies, size_t n,
                       const struct store_obj *cur, struct store_obj *obj)
{
    struct complete_ctx *x = ctx;
    struct s3_call *c = x->c;
    struct s3mpu_stored *stored = ly_arena_calloc(c->a, (n + 1) * sizeof *stored);
    const char **etags = ly_arena_calloc(c->a, (n + 1) * sizeof *etags);
    struct ly_buf sizes;
    uint64_t min = c->ctx->config->part_bytes_min ? c->ctx->config->part_bytes_min
                                                  : PART_BYTES_MIN_AWS;
    if (!stored || !etags)
        return LY_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        stored[i].etag = parts[i] ? parts[i]->etag : NULL;
        stored[i].size = parts[i] ? parts[i]->size : 0;
        etags[i] = stored[i].etag;
    }
    x->problem = s3mpu_check(x->listed, stored, n, min, &x->bad);
    if (x->problem != S3MPU_OK) {
        x->verdict = V_PARTS;
        x->bad_part = x->bad >= 0 ? parts[x->bad] : NULL;
        return LY_EINVAL;
    }
    int rc = eval_conditions(x, u, cur);
    if (rc)
        return rc;
    rc = s3mpu_etag(etags, n, x->etag);
    ly_buf_init(&sizes, 16u * S3MPU_PARTS_MAX);
    obj->size = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        obj->size += parts[i]->size;
        rc = ly_buf_addf(&sizes, i ? ",%" PRIu64 : "%" PRIu64, parts[i]->size);
    }
    obj->etag = x->etag;
    obj->mtime_ms = c->req->now_ms;
    obj->part_sizes = rc ? NULL : ly_arena_strdup(c->a, sizes.data);
    ly_buf_cleanup(&sizes);
    if (!rc && !obj->part_sizes)
        rc = LY_ENOMEM;
    return rc ? rc : object_checksum(x, u, parts, bodies, obj);
}

static void parts_error(struct complete_ctx *x, const char *upload_id)
{
    struct s3_call *c = x->c;
    const struct s3mpu_listed *l = x->bad >= 0 ? &x->listed[x->bad] : NULL;
    char num[32], size[32], min[32];
    snprintf(num, sizeof num, "%ld", l ? l->number : 0);
    if (x->problem == S3MPU_INVALID_PART_ORDER) {
        s3_error(c, AWS_S3_INVALID_PART_ORDER, "UploadId", upload_id, NULL);
    } else if (x->problem == S3MPU_INVALID_PART) {
        s3_error(c, AWS_S3_INVALID_PART, "UploadId", upload_id, "PartNumber", num, "ETag",
                 l && l->etag ? l->etag : "", NULL);
    } else {
        uint64_t m = c->ctx->config->part_bytes_min ? c->ctx->config->part_bytes_min
                                                    : PART_BYTES_MIN_AWS;
        snprintf(size, sizeof size, "%" PRIu64, x->bad_part ? x->bad_part->size : 0);
        snprintf(min, sizeof min, "%" PRIu64, m);
        s3_error(c, AWS_S3_ENTITY_TOO_SMALL, "ProposedSize", size, "MinSizeAllowed", min,
                 "PartNumber", num, "ETag", x->bad_part ? x->bad_part->etag : "", NULL);
    }
}

static void complete_error(struct complete_ctx *x, int rc, const char *upload_id)
{
    struct s3_call *c = x->c;
    if (x->verdict == V_PARTS)
        parts_error(x, upload_id);
    else if (x->verdict == V_412)
        s3_error(c, AWS_S3_PRECONDITION_FAILED, "Condition", x->condition, NULL);
    else if (x->verdict == V_404)
        s3_error(c, AWS_S3_NO_SUCH_KEY, "Key", c->req->key, NULL);
    else if (x->verdict == V_409)
        s3_error(c, AWS_S3_CONDITIONAL_REQUEST_CONFLICT, "Condition", x->condition, "Key",
                 c->req->key, NULL);
    else if (rc == LY_ENOENT)
        s3_error(c, AWS_S3_NO_SUCH_UPLOAD, "UploadId", upload_id, NULL);
    else if (rc == LY_ETOOBIG)
        s3_error(c, AWS_S3_ENTITY_TOO_LARGE, NULL);
    else
        s3_error_internal(c, rc);
}

static int complete_result(struct complete_ctx *x, const struct store_obj *obj)
{
    struct s3_call *c = x->c;
    const char *host = ly_req_header(c->req, "Host");
    struct ly_buf *b = &c->resp->body;
    int rc = s3_xml_begin(b, "CompleteMultipartUploadResult");
    if (!rc)
        rc = s3_xml_elem(b, "Location",
                         ly_arena_printf(c->a, "http://%s/%s/%s", host ? host : "localhost",
                                         c->req->bucket, c->req->key));
    if (!rc)
        rc = s3_xml_elem(b, "Bucket", c->req->bucket);
    if (!rc)
        rc = s3_xml_elem(b, "Key", c->req->key);
    if (!rc)
        rc = ly_buf_addf(b, "<ETag>&quot;%s&quot;</ETag>", obj->etag);
    if (!rc && x->explicit_checksum) {
        rc = s3_xml_elem(b, ly_arena_printf(c->a, "Checksum%s", obj->checksum_alg),
                         obj->checksum_value);
        if (!rc)
            rc = s3_xml_elem(b, "ChecksumType", x->checksum_type);
    }
    if (!rc)
        rc = ly_buf_adds(b, "</CompleteMultipartUploadResult>");
    if (!rc)
        rc = s3_header(c, "x-amz-server-side-encryption", "AES256");
    if (!rc)
        rc = s3_version_header(c, obj);
    return rc;
}

/* SHA-256 of the listed part numbers and ETags (quotes dropped), to recognise a retry. */
static int parts_digest(struct complete_ctx *x)
{
    struct ly_buf b;
    size_t len = 0;
    int rc = 0;
    ly_buf_init(&b, 1u << 20);
    for (size_t i = 0; !rc && i < x->n; i++) {
        const char *e = x->listed[i].etag ? x->listed[i].etag : "";
        size_t el = strlen(e);
        if (el >= 2 && e[0] == '"' && e[el - 1] == '"')
            e++, el -= 2;
        rc = ly_buf_addf(&b, "%ld:%.*s\n", x->listed[i].number, (int)el, e);
    }
    if (!rc)
        rc = cksum_compute(CKSUM_SHA256, b.data, b.len, x->done.digest, &len);
    ly_buf_cleanup(&b);
    return rc;
}

/* A completion of an upload that is gone: the first answer again when this is its retry. */
static int replay_completed(struct complete_ctx *x, const char *upload_id)
{
    struct s3_call *c = x->c;
    struct store_upload_done d;
    if (store_upload_done_get(c->ctx->store, c->req->bucket, upload_id, c->a, &d) != 0 ||
        strcmp(d.key, c->req->key) != 0 || memcmp(d.digest, x->done.digest, 32) != 0 ||
        c->req->now_ms - d.completed_ms > S3_MPU_DONE_WINDOW_MS)
        return LY_ENOENT;
    x->explicit_checksum = d.checksum_type != NULL;
    x->checksum_type = d.checksum_type;
    if (complete_result(x, &d.obj) == 0)
        s3_xml_done(c, 200);
    return 0;
}

void s3_complete_multipart_upload(struct s3_call *c)
{
    struct complete_ctx x;
    struct s3cond_reject why;
    struct store_obj obj;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.cond.if_match = ly_req_header(c->req, "If-Match");
    x.cond.if_none_match = ly_req_header(c->req, "If-None-Match");
    const char *upload_id = ly_req_query(c->req, "uploadId")->value;
    if (s3cond_write_validate(&x.cond, &why)) {
        s3_error(c, AWS_S3_NOT_IMPLEMENTED, "Header", why.header, "additionalMessage",
                 why.additional_message, NULL);
        return;
    }
    struct s3_policy_ask ask = {c->route->action, c->req->key, x.cond.if_none_match,
                                x.cond.if_match, 1};
    if (s3_policy_allows_or_reply(c, &ask))
        return;
    int rc = parse_list(&x);
    if (rc) {
        s3_error(c, rc == LY_ENOMEM ? AWS_S3_INTERNAL_ERROR : AWS_S3_MALFORMED_XML, NULL);
        return;
    }
    if ((rc = parts_digest(&x))) {
        s3_error_internal(c, rc);
        return;
    }
    x.done.completed_ms = c->req->now_ms;
    rc = store_upload_complete(c->ctx->store, c->req->bucket, c->req->key, upload_id, x.numbers,
                               x.n, c->ctx->config->object_bytes_max, c->a, &obj, &x.done,
                               complete_fn, &x);
    if (rc == LY_ENOENT && x.verdict == V_OK && replay_completed(&x, upload_id) == 0)
        return;
    if (rc)
        complete_error(&x, rc, upload_id);
    else if (complete_result(&x, &obj) == 0)
        s3_xml_done(c, 200);
}
