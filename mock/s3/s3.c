/*
 * s3.c - S3 dispatch: the route table (s3_route.c) picks the handler. Anything recognised but
 * not implemented answers 501 NotImplemented (docs/s3-compat.md); a method no route takes
 * answers 405 MethodNotAllowed.
 */
#include "s3_internal.h"
#include "lockyard/check.h"
#include "lockyard/s3name.h"

#include <string.h>

/* No route takes the request: 405 with the resource type, or 501 for browser-form POSTs. */
static void unrouted(struct s3_call *c)
{
    static const char *const types[] = {
        [S3_LEVEL_SERVICE] = "SERVICE", [S3_LEVEL_BUCKET] = "BUCKET", [S3_LEVEL_OBJECT] = "OBJECT"};
    struct ly_req *r = c->req;
    enum s3_level level = !r->bucket ? S3_LEVEL_SERVICE
                          : !r->key  ? S3_LEVEL_BUCKET
                                     : S3_LEVEL_OBJECT;
    if (level == S3_LEVEL_BUCKET && r->method == LY_POST) {
        s3_error(c, AWS_S3_NOT_IMPLEMENTED, "Message",
                 "POST object uploads (browser forms) are not implemented by lockyard", NULL);
        return;
    }
    s3_error(c, AWS_S3_METHOD_NOT_ALLOWED, "Method", r->method_name, "ResourceType", types[level],
             NULL);
    s3_header(c, "Allow",
              level == S3_LEVEL_OBJECT ? "GET, HEAD, PUT, DELETE" : "GET, HEAD, PUT, DELETE, POST");
}

void s3_handle(struct s3_ctx *ctx, struct ly_req *req, struct ly_resp *resp)
{
    struct s3_call c = {ctx, req, resp, req->arena, NULL};
    if (s3_header_ref(&c, "x-amz-request-id", req->request_id) || /* both in req's arena */
        s3_header_ref(&c, "x-amz-id-2", req->host_id))
        return;
    const char *sub = s3_route_unimplemented(req);
    if (sub) {
        s3_error(&c, AWS_S3_NOT_IMPLEMENTED, "Message",
                 "lockyard does not implement this S3 subresource yet", "Subresource", sub, NULL);
        return;
    }
    if (req->bucket && strlen(req->bucket) > S3_BUCKET_NAME_BYTES_MAX &&
        !(req->method == LY_PUT && !req->key)) {
        /* No such bucket can exist (CreateBucket answers InvalidBucketName), and the store's
         * fixed-size keys rely on bucket names that fit. */
        s3_error(&c, AWS_S3_NO_SUCH_BUCKET, "BucketName", req->bucket, NULL);
        return;
    }
    c.route = s3_route_of(req);
    if (c.route)
        c.route->handler(&c);
    else
        unrouted(&c);
}
