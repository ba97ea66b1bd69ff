/*
 * s3_route.c - the one table of S3 operations: (method, level, subresource, header) → name,
 * flags, handler, IAM action. s3.c dispatches through it, net names and classifies requests
 * through s3_op, and the admin API lists it (GET /_lockyard/operations). Adding an operation
 * is one row here plus its handler (docs/architecture.md).
 */
#include "s3_internal.h"
#include "lockyard/check.h"

#include <string.h>

#define SVC S3_LEVEL_SERVICE
#define BKT S3_LEVEL_BUCKET
#define OBJ S3_LEVEL_OBJECT
#define W LY_OP_WRITE
#define C LY_OP_CONDITIONAL
#define R LY_OP_READ

/* The handlers, one per operation, each defined in the file of its area and called only
 * through the table below. */
void s3_abort_multipart_upload(struct s3_call *c);
void s3_complete_multipart_upload(struct s3_call *c);
void s3_copy_object(struct s3_call *c);
void s3_create_bucket(struct s3_call *c);
void s3_create_multipart_upload(struct s3_call *c);
void s3_delete_bucket(struct s3_call *c);
void s3_delete_bucket_policy(struct s3_call *c);
void s3_delete_object(struct s3_call *c);
void s3_delete_objects(struct s3_call *c);
void s3_get_bucket_location(struct s3_call *c);
void s3_get_bucket_policy(struct s3_call *c);
void s3_get_bucket_versioning(struct s3_call *c);
void s3_get_object(struct s3_call *c);
void s3_get_object_attributes(struct s3_call *c);
void s3_head_bucket(struct s3_call *c);
void s3_list_buckets(struct s3_call *c);
void s3_list_multipart_uploads(struct s3_call *c);
void s3_list_object_versions(struct s3_call *c);
void s3_list_objects_v1(struct s3_call *c);
/** ListObjectsV2 (?list-type=2; any other list-type is InvalidArgument). */
void s3_list_objects_v2(struct s3_call *c);
void s3_list_parts(struct s3_call *c);
void s3_put_bucket_policy(struct s3_call *c);
void s3_put_bucket_versioning(struct s3_call *c);
void s3_put_object(struct s3_call *c);
void s3_upload_part(struct s3_call *c);
void s3_upload_part_copy(struct s3_call *c);

/* First match wins: rows with a subresource or header come before the plain row. The table is
 * laid out by hand, a row per operation. */
/* clang-format off */
static const struct s3_route routes[] = {
    /* method, level, sub, sub2, header, {name, flags}, handler, IAM action */
    {LY_GET, SVC, NULL, NULL, NULL, {"ListBuckets", 0}, s3_list_buckets, "s3:ListAllMyBuckets"},
    {LY_GET, BKT, "versioning", NULL, NULL, {"GetBucketVersioning", 0}, s3_get_bucket_versioning,
     "s3:GetBucketVersioning"},
    {LY_PUT, BKT, "versioning", NULL, NULL, {"PutBucketVersioning", W}, s3_put_bucket_versioning,
     "s3:PutBucketVersioning"},
    {LY_GET, BKT, "policy", NULL, NULL, {"GetBucketPolicy", 0}, s3_get_bucket_policy,
     "s3:GetBucketPolicy"},
    {LY_PUT, BKT, "policy", NULL, NULL, {"PutBucketPolicy", W}, s3_put_bucket_policy,
     "s3:PutBucketPolicy"},
    {LY_DELETE, BKT, "policy", NULL, NULL, {"DeleteBucketPolicy", W}, s3_delete_bucket_policy,
     "s3:DeleteBucketPolicy"},
    {LY_GET, BKT, "versions", NULL, NULL, {"ListObjectVersions", R}, s3_list_object_versions,
     "s3:ListBucketVersions"},
    {LY_GET, BKT, "uploads", NULL, NULL, {"ListMultipartUploads", 0}, s3_list_multipart_uploads,
     "s3:ListBucketMultipartUploads"},
    {LY_GET, BKT, "location", NULL, NULL, {"GetBucketLocation", 0}, s3_get_bucket_location,
     "s3:GetBucketLocation"},
    {LY_GET, BKT, "list-type", NULL, NULL, {"ListObjectsV2", R}, s3_list_objects_v2,
     "s3:ListBucket"},
    {LY_GET, BKT, NULL, NULL, NULL, {"ListObjects", R}, s3_list_objects_v1, "s3:ListBucket"},
    {LY_HEAD, BKT, NULL, NULL, NULL, {"HeadBucket", R}, s3_head_bucket, "s3:ListBucket"},
    {LY_PUT, BKT, NULL, NULL, NULL, {"CreateBucket", W}, s3_create_bucket, "s3:CreateBucket"},
    {LY_DELETE, BKT, NULL, NULL, NULL, {"DeleteBucket", W}, s3_delete_bucket, "s3:DeleteBucket"},
    {LY_POST, BKT, "delete", NULL, NULL, {"DeleteObjects", W | C}, s3_delete_objects,
     "s3:DeleteObject"},
    {LY_POST, OBJ, "uploads", NULL, NULL, {"CreateMultipartUpload", W},
     s3_create_multipart_upload, "s3:PutObject"},
    {LY_POST, OBJ, "uploadId", NULL, NULL, {"CompleteMultipartUpload", W | C},
     s3_complete_multipart_upload, "s3:PutObject"},
    {LY_PUT, OBJ, "uploadId", "partNumber", "x-amz-copy-source", {"UploadPartCopy", W | C},
     s3_upload_part_copy, "s3:PutObject"},
    {LY_PUT, OBJ, "uploadId", "partNumber", NULL, {"UploadPart", W}, s3_upload_part,
     "s3:PutObject"},
    {LY_GET, OBJ, "uploadId", NULL, NULL, {"ListParts", 0}, s3_list_parts,
     "s3:ListMultipartUploadParts"},
    {LY_DELETE, OBJ, "uploadId", NULL, NULL, {"AbortMultipartUpload", W},
     s3_abort_multipart_upload, "s3:AbortMultipartUpload"},
    {LY_GET, OBJ, "attributes", NULL, NULL, {"GetObjectAttributes", R | C},
     s3_get_object_attributes, "s3:GetObjectAttributes"},
    {LY_GET, OBJ, NULL, NULL, NULL, {"GetObject", R | C}, s3_get_object, "s3:GetObject"},
    {LY_HEAD, OBJ, NULL, NULL, NULL, {"HeadObject", R | C}, s3_get_object, "s3:GetObject"},
    {LY_PUT, OBJ, NULL, NULL, "x-amz-copy-source", {"CopyObject", W | C}, s3_copy_object,
     "s3:PutObject"},
    {LY_PUT, OBJ, NULL, NULL, NULL, {"PutObject", W | C}, s3_put_object, "s3:PutObject"},
    {LY_DELETE, OBJ, NULL, NULL, NULL, {"DeleteObject", W | C}, s3_delete_object,
     "s3:DeleteObject"},
};

/* Subresources we do not implement: answered 501 rather than silently treated as plain ops. */
static const char *const unimplemented[] = {
    "accelerate", "acl", "analytics", "cors", "encryption", "intelligent-tiering",
    "inventory", "legal-hold", "lifecycle", "logging", "metadataConfiguration", "metadataTable",
    "metrics", "notification", "object-lock", "ownershipControls", "policyStatus",
    "publicAccessBlock", "replication", "requestPayment", "restore", "retention", "select",
    "session", "tagging", "torrent", "website", "renameObject",
};
/* clang-format on */

const char *s3_route_unimplemented(const struct ly_req *req)
{
    for (size_t i = 0; i < req->nquery; i++)
        for (size_t j = 0; j < LY_ARRAY_LEN(unimplemented); j++)
            if (strcmp(req->query[i].name, unimplemented[j]) == 0)
                return unimplemented[j];
    return NULL;
}

/* Subresources that name a bucket's configuration: a request naming one goes only to that
 * configuration's rows (any other method is 405), never to the plain bucket operations. */
static const char *const configurations[] = {"versioning", "policy"};

static enum s3_level level_of(const struct ly_req *req)
{
    return !req->bucket ? S3_LEVEL_SERVICE : !req->key ? S3_LEVEL_BUCKET : S3_LEVEL_OBJECT;
}

static int names_configuration(const struct ly_req *req)
{
    for (size_t i = 0; i < LY_ARRAY_LEN(configurations); i++)
        if (ly_req_query(req, configurations[i]))
            return 1;
    return 0;
}

const struct s3_route *s3_route_find(const struct ly_req *req)
{
    enum s3_level level = level_of(req);
    int configuration = level == S3_LEVEL_BUCKET && names_configuration(req);
    for (size_t i = 0; i < LY_ARRAY_LEN(routes); i++) {
        const struct s3_route *r = &routes[i];
        if (r->level == level && r->method == req->method &&
            (!r->sub || ly_req_query(req, r->sub)) && (!r->sub2 || ly_req_query(req, r->sub2)) &&
            (!r->header || ly_req_header(req, r->header)) && (r->sub || !configuration))
            return r;
    }
    return NULL;
}

static const char *method_name(enum ly_method m)
{
    switch (m) {
    case LY_GET: return "GET";
    case LY_HEAD: return "HEAD";
    case LY_PUT: return "PUT";
    case LY_POST: return "POST";
    case LY_DELETE: return "DELETE";
    default: return "OTHER";
    }
}

void s3_each_route(void (*fn)(void *arg, const struct s3_route_info *r), void *arg)
{
    static const char *const levels[] = {
        [S3_LEVEL_SERVICE] = "service", [S3_LEVEL_BUCKET] = "bucket", [S3_LEVEL_OBJECT] = "object"};
    for (size_t i = 0; i < LY_ARRAY_LEN(routes); i++) {
        const struct s3_route *r = &routes[i];
        struct s3_route_info info = {
            method_name(r->method), levels[r->level], r->sub, r->sub2, r->header, r->op, r->action,
            r->handler != NULL};
        fn(arg, &info);
    }
}

const struct s3_route *s3_route_of(struct ly_req *req)
{
    if (!req->s3_route_found) {
        req->s3_route = s3_route_find(req);
        req->s3_route_found = 1;
    }
    return req->s3_route;
}

const struct ly_op *s3_op(struct ly_req *req)
{
    static const struct ly_op post_object = {"PostObject", 0}, unknown = {"Unknown", 0};
    const struct s3_route *r = s3_route_of(req);
    if (r)
        return &r->op;
    return level_of(req) == S3_LEVEL_BUCKET && req->method == LY_POST ? &post_object : &unknown;
}

int s3_is_conditional(struct ly_req *req)
{
#define H(s)            \
    {                   \
        s, sizeof s - 1 \
    }
    static const struct {
        const char *name;
        size_t len;
    } h[] = {H("If-Match"),
             H("If-None-Match"),
             H("If-Modified-Since"),
             H("If-Unmodified-Since"),
             H("x-amz-copy-source-if-match"),
             H("x-amz-copy-source-if-none-match"),
             H("x-amz-copy-source-if-modified-since"),
             H("x-amz-copy-source-if-unmodified-since")};
#undef H
    const struct s3_route *r = s3_route_of(req);
    if (!r || !(r->op.flags & LY_OP_CONDITIONAL))
        return 0;
    for (size_t i = 0; i < LY_ARRAY_LEN(h); i++)
        if (ly_req_header_n(req, h[i].name, h[i].len))
            return 1;
    if (r->handler != s3_delete_objects)
        return 0;
    for (size_t i = 0; i + 6 <= req->body_len; i++) /* DeleteObjects: per-object <ETag> */
        if (memcmp(req->body + i, "<ETag>", 6) == 0)
            return 1;
    return 0;
}
