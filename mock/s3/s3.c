/*
 * s3.c - S3 operation dispatch: (method, bucket?, key?, subresource) → handler.
 * Anything recognised but not implemented answers 501 NotImplemented (docs/s3-compat.md);
 * a method that does not apply answers 405 MethodNotAllowed.
 */
#include "s3_internal.h"
#include "lockyard/check.h"
#include "lockyard/s3name.h"

#include <string.h>

/* Subresources we do not implement: answered 501 rather than silently treated as plain ops. */
static const char *const unimplemented[] = {
    "accelerate", "acl", "analytics", "attributes", "cors", "encryption", "intelligent-tiering",
    "inventory", "legal-hold", "lifecycle", "logging", "metadataConfiguration", "metadataTable",
    "metrics", "notification", "object-lock", "ownershipControls", "policyStatus",
    "publicAccessBlock", "replication", "requestPayment", "restore", "retention", "select",
    "session", "tagging", "torrent", "website", "renameObject",
};

static const char *unimplemented_subresource(const struct ly_req *req)
{
    for (size_t i = 0; i < req->nquery; i++)
        for (size_t j = 0; j < LY_ARRAY_LEN(unimplemented); j++)
            if (strcmp(req->query[i].name, unimplemented[j]) == 0)
                return unimplemented[j];
    return NULL;
}

static void method_not_allowed(struct s3_call *c, const char *resource_type)
{
    s3_error(c, AWS_S3_METHOD_NOT_ALLOWED, "Method", c->req->method_name, "ResourceType", resource_type,
             NULL);
    s3_header(c, "Allow", strcmp(resource_type, "OBJECT") == 0 ? "GET, HEAD, PUT, DELETE"
                                                               : "GET, HEAD, PUT, DELETE, POST");
}

static void dispatch_service(struct s3_call *c)
{
    if (c->req->method == LY_GET)
        s3_list_buckets(c);
    else
        method_not_allowed(c, "SERVICE");
}

/* Bucket subresources with their own operations: 1 when handled. */
static int dispatch_bucket_sub(struct s3_call *c)
{
    struct ly_req *r = c->req;
    int get = r->method == LY_GET, put = r->method == LY_PUT, del = r->method == LY_DELETE;
    if (ly_req_query(r, "versioning")) {
        if (get)
            s3_get_bucket_versioning(c);
        else if (put)
            s3_put_bucket_versioning(c);
        else
            method_not_allowed(c, "BUCKET");
    } else if (ly_req_query(r, "policy")) {
        if (get)
            s3_get_bucket_policy(c);
        else if (put)
            s3_put_bucket_policy(c);
        else if (del)
            s3_delete_bucket_policy(c);
        else
            method_not_allowed(c, "BUCKET");
    } else if (get && ly_req_query(r, "versions")) {
        s3_list_object_versions(c);
    } else if (get && ly_req_query(r, "uploads")) {
        s3_list_multipart_uploads(c);
    } else {
        return 0;
    }
    return 1;
}

static void dispatch_bucket(struct s3_call *c)
{
    struct ly_req *r = c->req;
    if (dispatch_bucket_sub(c))
        return;
    switch (r->method) {
    case LY_GET:
        if (ly_req_query(r, "location"))
            s3_get_bucket_location(c);
        else {
            const struct ly_qparam *lt = ly_req_query(r, "list-type");
            if (lt && strcmp(lt->value, "2") != 0)
                s3_error(c, AWS_S3_INVALID_ARGUMENT, "Message", "Invalid List Type specified in Request",
                         "ArgumentName", "list-type", "ArgumentValue", lt->value, NULL);
            else
                s3_list_objects(c, lt != NULL);
        }
        return;
    case LY_HEAD: s3_head_bucket(c); return;
    case LY_PUT: s3_create_bucket(c); return;
    case LY_DELETE: s3_delete_bucket(c); return;
    case LY_POST:
        if (ly_req_query(r, "delete"))
            s3_delete_objects(c);
        else
            s3_error(c, AWS_S3_NOT_IMPLEMENTED, "Message",
                     "POST object uploads (browser forms) are not implemented by lockyard", NULL);
        return;
    default: method_not_allowed(c, "BUCKET"); return;
    }
}

/* Multipart operations on an object (?uploads, ?uploadId): 1 when handled. */
static int dispatch_multipart(struct s3_call *c)
{
    struct ly_req *r = c->req;
    int has_id = ly_req_query(r, "uploadId") != NULL;
    if (r->method == LY_POST && ly_req_query(r, "uploads"))
        s3_create_multipart_upload(c);
    else if (r->method == LY_POST && has_id)
        s3_complete_multipart_upload(c);
    else if (r->method == LY_PUT && has_id && ly_req_query(r, "partNumber"))
        ly_req_header(r, "x-amz-copy-source") ? s3_upload_part_copy(c) : s3_upload_part(c);
    else if (r->method == LY_GET && has_id)
        s3_list_parts(c);
    else if (r->method == LY_DELETE && has_id)
        s3_abort_multipart_upload(c);
    else
        return 0;
    return 1;
}

static void dispatch_object(struct s3_call *c)
{
    struct ly_req *r = c->req;
    if (dispatch_multipart(c))
        return;
    switch (r->method) {
    case LY_GET:
    case LY_HEAD: s3_get_object(c); return;
    case LY_PUT:
        if (ly_req_header(r, "x-amz-copy-source"))
            s3_copy_object(c);
        else
            s3_put_object(c);
        return;
    case LY_DELETE: s3_delete_object(c); return;
    default: method_not_allowed(c, "OBJECT"); return;
    }
}

void s3_handle(struct s3_ctx *ctx, struct ly_req *req, struct ly_resp *resp)
{
    struct s3_call c = {ctx, req, resp, req->arena};
    if (s3_header(&c, "x-amz-request-id", req->request_id) ||
        s3_header(&c, "x-amz-id-2", req->host_id))
        return;
    const char *sub = unimplemented_subresource(req);
    if (sub) {
        s3_error(&c, AWS_S3_NOT_IMPLEMENTED, "Message",
                 "lockyard does not implement this S3 subresource yet", "Subresource", sub, NULL);
        return;
    }
    if (!req->bucket) {
        dispatch_service(&c);
    } else if (strlen(req->bucket) > S3_BUCKET_NAME_BYTES_MAX &&
               !(req->method == LY_PUT && !req->key)) {
        /* No such bucket can exist (CreateBucket answers InvalidBucketName), and the store's
         * fixed-size keys rely on bucket names that fit. */
        s3_error(&c, AWS_S3_NO_SUCH_BUCKET, "BucketName", req->bucket, NULL);
    } else if (!req->key) {
        dispatch_bucket(&c);
    } else {
        dispatch_object(&c);
    }
}
