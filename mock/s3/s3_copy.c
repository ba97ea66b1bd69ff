/*
 * s3_copy.c - CopyObject: x-amz-copy-source, metadata directive, copy-source
 * preconditions (always 412, never 304) and destination If-Match / If-None-Match.
 */
#include "s3_internal.h"
#include "lockyard/httpdate.h"
#include "lockyard/s3cond.h"
#include "lockyard/s3name.h"

#include <string.h>
#include <strings.h>

struct copy_source {
    const char *bucket, *key;
};

/* Parses "/bucket/key?versionId=…" or "bucket/key" (percent-encoded). 0 or replied. */
static int copy_source_or_reply(struct s3_call *c, struct copy_source *src)
{
    const char *h = ly_req_header(c->req, "x-amz-copy-source");
    size_t n = strcspn(h, "?");
    char *dec = ly_arena_alloc(c->a, n + 1);
    if (!dec || s3name_url_decode(h, n, dec, n + 1, 0) < 0) {
        s3_error(c, "InvalidArgument", "Message", "Invalid copy source encoding", "ArgumentName",
                 "x-amz-copy-source", "ArgumentValue", h, NULL);
        return LY_EINVAL;
    }
    if (*dec == '/')
        dec++;
    char *slash = strchr(dec, '/');
    if (!slash || slash == dec || slash[1] == '\0') {
        s3_error(c, "InvalidArgument", "Message", "Invalid copy source object key",
                 "ArgumentName", "x-amz-copy-source", "ArgumentValue", h, NULL);
        return LY_EINVAL;
    }
    *slash = '\0';
    src->bucket = dec;
    src->key = slash + 1;
    const char *q = h + n;
    if (*q == '?' && strncmp(q + 1, "versionId=", 10) == 0 && strcmp(q + 11, "null") != 0) {
        s3_error(c, "InvalidArgument", "Message", "Invalid version id specified", "ArgumentName",
                 "versionId", "ArgumentValue", q + 11, NULL);
        return LY_EINVAL;
    }
    return 0;
}

/* Copy-source preconditions: every failure is 412 with the x-amz-copy-source-* name. */
static int source_cond_or_reply(struct s3_call *c, const struct store_obj *o)
{
    static const char *const names[] = {
        "x-amz-copy-source-If-Match", "x-amz-copy-source-If-Unmodified-Since",
        "x-amz-copy-source-If-None-Match", "x-amz-copy-source-If-Modified-Since",
    };
    struct s3cond_read cond = {
        ly_req_header(c->req, names[0]), ly_req_header(c->req, names[2]),
        ly_req_header(c->req, names[3]), ly_req_header(c->req, names[1]),
    };
    int failed;
    if (c->req->ignore_conditions ||
        s3cond_eval_read(&cond, o->etag, o->mtime_ms, c->req->now_ms, &failed) == S3COND_PASS)
        return 0;
    s3_error(c, "PreconditionFailed", "Condition", names[failed], NULL);
    return LY_ECOND;
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
        s3_error(c, "InvalidArgument", "Message", "Unknown metadata directive.", "ArgumentName",
                 "x-amz-metadata-directive", "ArgumentValue", dir, NULL);
        return LY_EINVAL;
    }
    int replace = dir && strcmp(dir, "REPLACE") == 0;
    const char *sc = ly_req_header(c->req, "x-amz-storage-class");
    if (same_object && !replace && !sc) {
        s3_error(c, "InvalidRequest", "Message",
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata, storage class, website redirect "
                 "location or encryption attributes.", NULL);
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

void s3_copy_object(struct s3_call *c)
{
    struct copy_source src;
    struct store_obj so, dst;
    struct ly_buf body;
    struct dest_check d = {{ly_req_header(c->req, "If-Match"),
                            ly_req_header(c->req, "If-None-Match")}, NULL};
    struct s3cond_reject why;
    memset(&dst, 0, sizeof dst);
    ly_buf_init(&body, c->ctx->config->object_bytes_max);
    if (copy_source_or_reply(c, &src))
        goto out;
    if (s3cond_write_validate(&d.cond, &why)) {
        s3_error(c, "NotImplemented", "Header", why.header, "additionalMessage",
                 why.additional_message, NULL);
        goto out;
    }
    int rc = store_obj_get(c->ctx->store, src.bucket, src.key, c->a, &so, &body);
    if (rc == LY_ENOPARENT) {
        s3_error(c, "NoSuchBucket", "BucketName", src.bucket, NULL);
        goto out;
    }
    if (rc == LY_ENOENT) {
        s3_error(c, "NoSuchKey", "Key", src.key, NULL);
        goto out;
    }
    if (rc) {
        s3_error_internal(c, rc);
        goto out;
    }
    int same = strcmp(src.bucket, c->req->bucket) == 0 && strcmp(src.key, c->req->key) == 0;
    if (source_cond_or_reply(c, &so) || dest_meta_or_reply(c, &so, &dst, same))
        goto out;
    dst.etag = so.etag;
    dst.checksum_alg = so.checksum_alg; /* content checksums travel with the bytes */
    dst.checksum_value = so.checksum_value;
    dst.size = so.size;
    dst.mtime_ms = c->req->now_ms;
    rc = store_obj_put(c->ctx->store, c->req->bucket, c->req->key, &dst, body.data,
                       c->req->ignore_conditions ? NULL : dest_check_fn, &d);
    if (rc == LY_ECOND) {
        s3_error(c, "PreconditionFailed", "Condition", d.condition, NULL);
    } else if (rc) {
        s3_error_internal(c, rc);
    } else {
        char date[LY_ISODATE_LEN];
        ly_isodate_format(dst.mtime_ms, date);
        struct ly_buf *b = &c->resp->body;
        rc = s3_xml_begin(b, "CopyObjectResult");
        if (!rc) rc = s3_xml_elem(b, "LastModified", date);
        if (!rc) rc = ly_buf_addf(b, "<ETag>&quot;%s&quot;</ETag>", dst.etag);
        if (!rc) rc = ly_buf_adds(b, "</CopyObjectResult>");
        if (rc || s3_header(c, "x-amz-server-side-encryption", "AES256"))
            s3_error_internal(c, rc ? rc : LY_ENOMEM);
        else
            s3_xml_done(c, 200);
    }
out:
    ly_buf_cleanup(&body);
}
