/*
 * s3_copy.c - CopyObject: x-amz-copy-source, metadata directive, copy-source
 * preconditions (always 412, never 304) and destination If-Match / If-None-Match.
 */
#include "s3_internal.h"
#include "lockyard/checksum.h"
#include "lockyard/httpdate.h"
#include "lockyard/s3cond.h"
#include "lockyard/mpu.h"
#include "lockyard/pct.h"

#include <stdatomic.h>
#include <string.h>
#include <strings.h>

/* Parses "/bucket/key?versionId=…" or "bucket/key" (percent-encoded). 0 or replied. */
int s3_copy_source_or_reply(struct s3_call *c, struct s3_copy_source *src)
{
    const char *h = ly_req_header(c->req, "x-amz-copy-source");
    size_t n = strcspn(h, "?");
    char *dec = ly_arena_alloc(c->a, n + 1);
    if (!dec || ly_pct_decode(h, n, dec, n + 1, LY_PCT_REFUSE_NUL) < 0) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid copy source encoding",
                 "ArgumentName", "x-amz-copy-source", "ArgumentValue", h, NULL);
        return LY_EINVAL;
    }
    if (*dec == '/')
        dec++;
    char *slash = strchr(dec, '/');
    if (!slash || slash == dec || slash[1] == '\0') {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid copy source object key",
                 "ArgumentName", "x-amz-copy-source", "ArgumentValue", h, NULL);
        return LY_EINVAL;
    }
    *slash = '\0';
    src->bucket = dec;
    src->key = slash + 1;
    const char *q = h + n;
    src->version_id = NULL;
    if (*q == '?' && strncmp(q + 1, "versionId=", 10) == 0) {
        src->version_id = q + 11;
        if (s3_version_id_parse(src->version_id, &src->version) != 0) {
            s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid version id specified",
                     "ArgumentName", "versionId", "ArgumentValue", q + 11, NULL);
            return LY_EINVAL;
        }
    }
    return 0;
}

/* Copy-source preconditions: every failure is 412 with the x-amz-copy-source-* name. */
int s3_copy_source_cond_or_reply(struct s3_call *c, const struct store_obj *o)
{
    static const char *const names[] = {
        "x-amz-copy-source-If-Match",
        "x-amz-copy-source-If-Unmodified-Since",
        "x-amz-copy-source-If-None-Match",
        "x-amz-copy-source-If-Modified-Since",
    };
    struct s3cond_read cond = {
        ly_req_header(c->req, names[0]),
        ly_req_header(c->req, names[2]),
        ly_req_header(c->req, names[3]),
        ly_req_header(c->req, names[1]),
    };
    int failed;
    if (c->req->ignore_conditions ||
        s3cond_eval_read(&cond, o->etag, o->mtime_ms, c->req->now_ms, &failed) == S3COND_PASS)
        return 0;
    s3_error(c, AWS_S3_PRECONDITION_FAILED, "Condition", names[failed], NULL);
    return LY_ECOND;
}

int s3_copy_source_bytes_or_reply(struct s3_call *c, const struct store_obj *obj, uint64_t off,
                                  uint64_t len, struct ly_buf *body)
{
    int rc = obj->blob ? store_blob_read_obj(c->ctx->store, obj, off, (size_t)len, body) : 0;
    if (rc)
        s3_error_internal(c, rc);
    return rc;
}

struct link_job {
    struct s3_call *c;
    struct ly_buf list; /* the new object's blob list */
};

static int link_span(void *ctx, const struct store_blob_span *sp)
{
    struct link_job *j = ctx;
    char id[STORE_BLOB_ID_LEN + 1];
    int rc = store_blob_link(j->c->ctx->store, sp->id, id);
    if (!rc && (rc = store_blob_list_add(&j->list, id, sp->len)) != 0)
        store_blob_discard(j->c->ctx->store, id);
    return rc;
}

/* The new links of a list being built (or of a stored object's list) go. */
static void discard_list(struct s3_call *c, const char *list, size_t n)
{
    for (size_t i = 0; i + STORE_BLOB_ID_LEN <= n; i += STORE_BLOB_ENTRY_LEN) {
        char id[STORE_BLOB_ID_LEN + 1];
        memcpy(id, list + i, STORE_BLOB_ID_LEN);
        id[STORE_BLOB_ID_LEN] = '\0';
        store_blob_discard(c->ctx->store, id);
    }
}

/* A blob source is copied by links to new blobs of the same bytes (never read here), listed
 * as the destination's body. */
static int copy_blob_or_reply(struct s3_call *c, const struct store_obj *so, struct store_obj *dst)
{
    struct link_job j = {c, {0}};
    dst->blob = NULL;
    if (!so->blob)
        return 0;
    ly_buf_init(&j.list, (size_t)STORE_BLOB_ENTRY_LEN * (S3MPU_PARTS_MAX + 1));
    int rc = store_blob_spans(so, 0, so->size, link_span, &j);
    if (!rc)
        rc = ly_buf_add(&j.list, "", 1);
    if (!rc)
        dst->blob = ly_arena_strdup(c->a, j.list.data);
    if (!rc && !dst->blob)
        rc = LY_ENOMEM;
    if (rc) {
        discard_list(c, j.list.data ? j.list.data : "", j.list.len);
        s3_error_internal(c, rc);
    }
    ly_buf_cleanup(&j.list);
    return rc;
}

int s3_copy_source_read_or_reply(struct s3_call *c, const struct s3_copy_source *src,
                                 struct store_obj *so, struct ly_buf *body)
{
    int rc = src->version_id ? store_obj_get_version(c->ctx->store, src->bucket, src->key,
                                                     src->version, c->a, so, body)
                             : store_obj_get(c->ctx->store, src->bucket, src->key, c->a, so, body);
    if (!rc && (so->flags & STORE_OBJ_DELETE_MARKER)) { /* a version that is a delete marker */
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "The source of a copy request may not specifically refer to a delete marker by "
                 "version id.",
                 NULL);
        return LY_EINVAL;
    }
    if (rc == LY_ENOPARENT)
        s3_error(c, AWS_S3_NO_SUCH_BUCKET, "BucketName", src->bucket, NULL);
    else if (rc == LY_ENOENT && src->version_id)
        s3_error(c, AWS_S3_NO_SUCH_VERSION, "Key", src->key, "VersionId", src->version_id, NULL);
    else if (rc == LY_ENOENT)
        s3_error(c, AWS_S3_NO_SUCH_KEY, "Key", src->key, NULL);
    else if (rc)
        s3_error_internal(c, rc);
    return rc;
}

struct dest_check {
    struct s3cond_write cond;
    const char *condition;
};

static int dest_check_fn(void *ctx, const struct store_obj *cur)
{
    struct dest_check *d = ctx;
    return s3cond_eval_write(&d->cond, cur ? cur->etag : NULL, &d->condition);
}

/* Builds the destination's metadata per x-amz-metadata-directive; 0 or replied. */
static int dest_meta_or_reply(struct s3_call *c, const struct store_obj *src, struct store_obj *dst,
                              int same_object)
{
    const char *dir = ly_req_header(c->req, "x-amz-metadata-directive");
    if (dir && strcmp(dir, "COPY") != 0 && strcmp(dir, "REPLACE") != 0) {
        s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Unknown metadata directive.",
                 "ArgumentName", "x-amz-metadata-directive", "ArgumentValue", dir, NULL);
        return LY_EINVAL;
    }
    int replace = dir && strcmp(dir, "REPLACE") == 0;
    const char *sc = ly_req_header(c->req, "x-amz-storage-class");
    if (same_object && !replace && !sc) {
        s3_error(c, AWS_S3_INVALID_REQUEST, "Message",
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata, storage class, website redirect "
                 "location or encryption attributes.",
                 NULL);
        return LY_EINVAL;
    }
    if (replace)
        return s3_object_meta_from_req_or_reply(c, dst);
    *dst = *src;
    if (sc) {
        struct store_obj tmp;
        memset(&tmp, 0, sizeof tmp);
        if (s3_object_meta_from_req_or_reply(c, &tmp))
            return LY_EINVAL;
        dst->storage_class = tmp.storage_class;
    }
    return 0;
}

static int copy_result(struct s3_call *c, const struct store_obj *dst,
                       const struct s3_copy_source *src, const struct store_obj *so)
{
    char date[LY_ISODATE_LEN];
    ly_isodate_format(dst->mtime_ms, date);
    struct ly_buf *b = &c->resp->body;
    int rc = s3_xml_begin(b, "CopyObjectResult");
    if (!rc)
        rc = s3_xml_elem(b, "LastModified", date);
    if (!rc)
        rc = ly_buf_addf(b, "<ETag>&quot;%s&quot;</ETag>", dst->etag);
    if (!rc)
        rc = ly_buf_adds(b, "</CopyObjectResult>");
    if (!rc)
        rc = s3_header(c, "x-amz-server-side-encryption", "AES256");
    if (!rc && (src->version_id || (so->flags & STORE_OBJ_VERSIONED)))
        rc = s3_header(c, "x-amz-copy-source-version-id", s3_version_id(c, so));
    if (!rc)
        rc = s3_version_header(c, dst);
    return rc;
}

/* A copy's state, kept in the arena while its pass runs off the loop. */
struct copy_state {
    struct s3_copy_source src;
    struct store_obj so, dst;
    struct dest_check d;
};

/* Stores the copy (dst.blob: the new links, or NULL with body in LMDB) with the destination's
 * preconditions evaluated in the write transaction, and answers. */
static void copy_store(struct s3_call *c, struct copy_state *st, const char *etag, const void *body)
{
    struct store_obj *dst = &st->dst;
    const struct store_obj *so = &st->so;
    dst->etag = etag;
    dst->checksum_alg = so->checksum_alg; /* content checksums travel with the bytes */
    dst->checksum_value = so->checksum_value;
    if (dst->checksum_value && strchr(dst->checksum_value, '-'))
        dst->checksum_alg = dst->checksum_value = NULL; /* a composite checksum names the parts */
    dst->part_sizes = NULL;
    dst->flags = 0;
    dst->size = so->size;
    dst->mtime_ms = c->req->now_ms;
    int rc = store_obj_put(c->ctx->store, c->req->bucket, c->req->key, dst, body,
                           c->req->ignore_conditions ? NULL : dest_check_fn, &st->d);
    if (rc && dst->blob) /* not stored: the new links go */
        discard_list(c, dst->blob, strlen(dst->blob));
    if (rc == LY_ECOND)
        s3_error(c, AWS_S3_PRECONDITION_FAILED, "Condition", st->d.condition, NULL);
    else if (rc)
        s3_error_internal(c, rc);
    else if (copy_result(c, dst, &st->src, so) == 0)
        s3_xml_done(c, 200);
}

/* A multipart source's pass ended: its bytes' MD5 is the copy's ETag (a single-request copy
 * is one part), its links the copy's body. */
static void copy_finish(struct s3_pass_job *j)
{
    struct copy_state *st = j->state;
    char *md5 = ly_arena_alloc(j->c.a, CKSUM_MD5_HEX_SIZE);
    st->dst.blob = ly_arena_strdup(j->c.a, j->pass.links.data);
    if (!md5 || !st->dst.blob) {
        store_blob_pass_discard(&j->pass);
        s3_error(&j->c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    cksum_hex(j->pass.md5, sizeof j->pass.md5, md5);
    store_blob_pass_cleanup(&j->pass);
    copy_store(&j->c, st, md5, NULL);
}

/* A multipart source in blob files: its bytes are read (MD5) and its files linked off the
 * loop. 0 (the job runs; the answer comes from copy_finish) or replied. */
static int copy_pass_or_reply(struct s3_call *c, struct copy_state *st)
{
    struct s3_pass_job *j = s3_pass_new(c, &st->so, 0, st->so.size);
    if (!j)
        return LY_ENOMEM;
    j->pass.link = 1;
    j->finish = copy_finish;
    j->state = st;
    s3_pass_start(j);
    return 0;
}

/* The source's checks, then the copy: on the loop for a plain blob (links) or a body in LMDB,
 * else off it. */
static void copy_object(struct s3_call *c, struct copy_state *st, struct ly_buf *body)
{
    struct s3cond_reject why;
    struct s3_policy_ask ask = {c->route->action, c->req->key, st->d.cond.if_none_match,
                                st->d.cond.if_match, 1};
    if (s3_copy_source_or_reply(c, &st->src))
        return;
    if (s3cond_write_validate(&st->d.cond, &why)) {
        s3_error(c, AWS_S3_NOT_IMPLEMENTED, "Header", why.header, "additionalMessage",
                 why.additional_message, NULL);
        return;
    }
    if (s3_policy_allows_or_reply(c, &ask) ||
        s3_copy_source_read_or_reply(c, &st->src, &st->so, body))
        return;
    const struct s3_copy_source *src = &st->src;
    int same = strcmp(src->bucket, c->req->bucket) == 0 && strcmp(src->key, c->req->key) == 0 &&
               !src->version_id;
    int multipart = strchr(st->so.etag, '-') != NULL;
    if (s3_copy_source_cond_or_reply(c, &st->so) || dest_meta_or_reply(c, &st->so, &st->dst, same))
        return;
    if (multipart && st->so.blob) {
        (void)copy_pass_or_reply(c, st);
        return;
    }
    if (copy_blob_or_reply(c, &st->so, &st->dst))
        return;
    char md5[CKSUM_MD5_HEX_SIZE];
    if (multipart && cksum_md5_hex(body->data ? body->data : "", body->len, md5) != 0) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    copy_store(c, st, multipart ? md5 : st->so.etag, body->data);
}

void s3_copy_object(struct s3_call *c)
{
    struct copy_state *st = ly_arena_calloc(c->a, sizeof *st);
    struct ly_buf body;
    if (!st) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return;
    }
    st->d.cond.if_match = ly_req_header(c->req, "If-Match");
    st->d.cond.if_none_match = ly_req_header(c->req, "If-None-Match");
    ly_buf_init(&body, c->ctx->config->object_bytes_max);
    copy_object(c, st, &body);
    ly_buf_cleanup(&body);
}

/* ---- passes off the loop ---- */

static void pass_work(struct ly_offload *job)
{
    struct s3_pass_job *j = (struct s3_pass_job *)job;
    (void)store_blob_pass_run(&j->pass);
}

static void pass_resume(struct ly_offload *job, enum ly_offload_end end)
{
    struct s3_pass_job *j = (struct s3_pass_job *)job;
    store_blob_unpin(j->c.ctx->store, j->pin); /* the pass made links of what it needs */
    if (end == LY_OFFLOAD_DONE && j->pass.rc == 0) {
        j->finish(j);
        return;
    }
    store_blob_pass_discard(&j->pass);
    if (end == LY_OFFLOAD_BUSY)
        s3_error(&j->c, AWS_S3_SLOW_DOWN, NULL);
    else if (end == LY_OFFLOAD_DONE)
        s3_error(&j->c, AWS_S3_INTERNAL_ERROR, NULL); /* a file that could not be read */
}

struct s3_pass_job *s3_pass_new(struct s3_call *c, const struct store_obj *o, uint64_t off,
                                uint64_t len)
{
    struct s3_pass_job *j = ly_arena_calloc(c->a, sizeof *j);
    if (!j) {
        s3_error(c, AWS_S3_INTERNAL_ERROR, NULL);
        return NULL;
    }
    j->base.work = pass_work;
    j->base.resume = pass_resume;
    j->base.bytes = len;
    atomic_init(&j->base.cancel, 0);
    j->c = *c;
    j->pass.s = c->ctx->store;
    j->pass.body = *o;
    j->pass.off = off;
    j->pass.len = len;
    j->pass.alg = -1;
    j->pass.cancel = &j->base.cancel;
    return j;
}

void s3_pass_start(struct s3_pass_job *j)
{
    j->pin = store_blob_pin(j->c.ctx->store);
    j->c.resp->offload = &j->base;
}
