/*
 * s3_opname.c - the S3 API operation name of a routed request (PutObject, ListObjectsV2, …),
 * as AWS names it: used by fault rules, the request journal and metrics.
 */
#include "s3_internal.h"

#include <string.h>

#define Q(name) (ly_req_query(req, name) != NULL)

static const char *bucket_op(const struct ly_req *req)
{
    switch (req->method) {
    case LY_GET:
        if (Q("location")) return "GetBucketLocation";
        if (Q("versioning")) return "GetBucketVersioning";
        if (Q("versions")) return "ListObjectVersions";
        if (Q("uploads")) return "ListMultipartUploads";
        if (Q("policy")) return "GetBucketPolicy";
        return Q("list-type") ? "ListObjectsV2" : "ListObjects";
    case LY_HEAD: return "HeadBucket";
    case LY_PUT:
        if (Q("versioning")) return "PutBucketVersioning";
        if (Q("policy")) return "PutBucketPolicy";
        return "CreateBucket";
    case LY_DELETE: return Q("policy") ? "DeleteBucketPolicy" : "DeleteBucket";
    case LY_POST: return Q("delete") ? "DeleteObjects" : "PostObject";
    default: return "Unknown";
    }
}

static const char *object_op(const struct ly_req *req)
{
    switch (req->method) {
    case LY_GET: return Q("uploadId") ? "ListParts" : "GetObject";
    case LY_HEAD: return "HeadObject";
    case LY_PUT:
        if (Q("partNumber") && Q("uploadId"))
            return ly_req_header(req, "x-amz-copy-source") ? "UploadPartCopy" : "UploadPart";
        return ly_req_header(req, "x-amz-copy-source") ? "CopyObject" : "PutObject";
    case LY_POST:
        if (Q("uploads")) return "CreateMultipartUpload";
        if (Q("uploadId")) return "CompleteMultipartUpload";
        return "Unknown";
    case LY_DELETE: return Q("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    default: return "Unknown";
    }
}

const char *s3_op_name(const struct ly_req *req)
{
    if (!req->bucket)
        return req->method == LY_GET ? "ListBuckets" : "Unknown";
    return req->key ? object_op(req) : bucket_op(req);
}

int s3_is_conditional(const struct ly_req *req)
{
    static const char *const h[] = {"If-Match", "If-None-Match", "If-Modified-Since",
        "If-Unmodified-Since", "x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match",
        "x-amz-copy-source-if-modified-since", "x-amz-copy-source-if-unmodified-since"};
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
        if (ly_req_header(req, h[i]))
            return 1;
    /* DeleteObjects with per-object <ETag> conditions */
    if (req->method != LY_POST || !Q("delete"))
        return 0;
    for (size_t i = 0; i + 6 <= req->body_len; i++)
        if (memcmp(req->body + i, "<ETag>", 6) == 0)
            return 1;
    return 0;
}
