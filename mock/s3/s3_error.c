/*
 * s3_error.c - the one table of S3 error codes (status, message) and the <Error> document.
 */
#include "s3_internal.h"
#include "lockyard/check.h"
#include "lockyard/pct.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

struct s3_err_def {
    const char *code;
    int status;
    const char *message;
};

static const struct s3_err_def errors[] = {
    {"AccessDenied", 403, "Access Denied"},
    {"BadRequest", 400, "An error occurred when parsing the HTTP request."},
    {"BadDigest", 400, "The Content-MD5 you specified did not match what we received."},
    {"BucketAlreadyExists", 409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."},
    {"BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it."},
    {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"},
    {"ConditionalRequestConflict", 409, "The conditional request cannot succeed due to a conflicting operation against this resource."},
    {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size"},
    {"EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size."},
    {"IllegalVersioningConfigurationException", 400, "The Versioning element must be specified"},
    {"IllegalLocationConstraintException", 400, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."},
    {"IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header."},
    {"InternalError", 500, "We encountered an internal error. Please try again."},
    {"InvalidArgument", 400, "Invalid Argument"},
    {"InvalidBucketName", 400, "The specified bucket is not valid."},
    {"InvalidDigest", 400, "The Content-MD5 you specified is not valid."},
    {"InvalidLocationConstraint", 400, "The specified location-constraint is not valid"},
    {"InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."},
    {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"},
    {"InvalidPartOrder", 400, "The list of parts was not in ascending order. Parts must be ordered by part number."},
    {"InvalidRange", 416, "The requested range is not satisfiable"},
    {"InvalidRequest", 400, "Invalid Request"},
    {"InvalidStorageClass", 400, "The storage class you specified is not valid"},
    {"InvalidURI", 400, "Couldn't parse the specified URI."},
    {"KeyTooLongError", 400, "Your key is too long"},
    {"MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema"},
    {"MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'"},
    {"MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size"},
    {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."},
    {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."},
    {"NoSuchBucket", 404, "The specified bucket does not exist"},
    {"NoSuchBucketPolicy", 404, "The bucket policy does not exist"},
    {"NoSuchKey", 404, "The specified key does not exist."},
    {"NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."},
    {"NoSuchVersion", 404, "The specified version does not exist."},
    {"NotImplemented", 501, "A header you provided implies functionality that is not implemented"},
    {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"},
    {"RequestHeaderSectionTooLarge", 400, "Your request header section exceeds the maximum allowed size."},
    {"ServiceUnavailable", 503, "Please reduce your request rate."},
    {"SlowDown", 503, "Please reduce your request rate."},
    {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed."},
    {"AuthorizationQueryParametersError", 400, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
    {"InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."},
    {"RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."},
    {"SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
    {"XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed."},
};

static const struct s3_err_def *lookup(const char *code)
{
    for (size_t i = 0; i < LY_ARRAY_LEN(errors); i++)
        if (strcmp(errors[i].code, code) == 0)
            return &errors[i];
    return NULL;
}

static void error_v(struct ly_req *req, struct ly_resp *resp, const char *code, va_list ap)
{
    const struct s3_err_def *def = lookup(code);
    LY_ASSERT(def != NULL);
    struct ly_buf *b = &resp->body;
    const char *pairs[32];
    size_t np = 0;
    const char *message = def->message;
    for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
        const char *value = va_arg(ap, const char *);
        if (strcmp(name, "Message") == 0) {
            message = value;
        } else if (np + 2 <= LY_ARRAY_LEN(pairs)) {
            pairs[np++] = name;
            pairs[np++] = value;
        }
    }
    ly_buf_reset(b);
    resp->status = def->status;
    resp->error_code = def->code;
    if (req->method == LY_HEAD)
        return;
    int rc = ly_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    if (!rc) rc = s3_xml_elem(b, "Code", code);
    if (!rc) rc = s3_xml_elem(b, "Message", message);
    for (size_t i = 0; !rc && i < np; i += 2)
        rc = s3_xml_elem(b, pairs[i], pairs[i + 1] ? pairs[i + 1] : "");
    if (!rc) rc = s3_xml_elem(b, "RequestId", req->request_id);
    if (!rc) rc = s3_xml_elem(b, "HostId", req->host_id);
    if (!rc) rc = ly_buf_adds(b, "</Error>");
    if (rc) { /* out of room: answer the status with no body rather than a torn document */
        ly_buf_reset(b);
        return;
    }
    if (ly_resp_header_set(resp, req->arena, "Content-Type", "application/xml") != 0)
        ly_buf_reset(b);
}

void s3_error(struct s3_call *c, const char *code, ...)
{
    va_list ap;
    va_start(ap, code);
    error_v(c->req, c->resp, code, ap);
    va_end(ap);
}

void s3_reply_error(struct ly_req *req, struct ly_resp *resp, const char *code, ...)
{
    va_list ap;
    va_start(ap, code);
    error_v(req, resp, code, ap);
    va_end(ap);
    if (ly_resp_header_set(resp, req->arena, "x-amz-request-id", req->request_id) ||
        ly_resp_header_set(resp, req->arena, "x-amz-id-2", req->host_id))
        ly_buf_reset(&resp->body);
}

void s3_error_internal(struct s3_call *c, int rc)
{
    switch (rc) {
    case LY_ENOPARENT:
        s3_error(c, "NoSuchBucket", "BucketName", c->req->bucket, NULL);
        break;
    case LY_ENOENT:
        s3_error(c, "NoSuchKey", "Key", c->req->key, NULL);
        break;
    case LY_ETOOBIG:
        s3_error(c, "EntityTooLarge", NULL);
        break;
    case LY_EFULL:
        s3_error(c, "ServiceUnavailable", "Message", "The lockyard store is full (LMDB map size)",
                 NULL);
        break;
    default:
        s3_error(c, "InternalError", NULL);
        break;
    }
}

int s3_xml_begin(struct ly_buf *b, const char *root)
{
    return ly_buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"%s\">", root,
                       S3_XMLNS);
}

int s3_xml_elem(struct ly_buf *b, const char *name, const char *value)
{
    int rc = ly_buf_addf(b, "<%s>", name);
    if (!rc)
        rc = ly_buf_add_xml(b, value, strlen(value));
    if (!rc)
        rc = ly_buf_addf(b, "</%s>", name);
    return rc;
}

int s3_xml_elemf(struct ly_buf *b, const char *name, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return s3_xml_elem(b, name, tmp);
}

void s3_xml_done(struct s3_call *c, int status)
{
    c->resp->status = status;
    if (ly_resp_header_set(c->resp, c->a, "Content-Type", "application/xml") != 0)
        s3_error(c, "InternalError", NULL);
}

int s3_header(struct s3_call *c, const char *name, const char *value)
{
    if (ly_resp_header(c->resp, c->a, name, value) == 0)
        return 0;
    s3_error(c, "InternalError", NULL);
    return LY_ENOMEM;
}

int s3_xml_elem_listing(struct ly_buf *b, const char *name, const char *value, int url)
{
    if (!url)
        return s3_xml_elem(b, name, value);
    struct ly_buf enc;
    ly_buf_init(&enc, 8192);
    /* As measured on AWS: "a b/c+d%" lists as "a+b/c%2Bd%25". */
    int rc = ly_pct_encode(&enc, value, strlen(value), LY_PCT_KEEP_SLASH | LY_PCT_PLUS_SPACE);
    if (!rc)
        rc = s3_xml_elem(b, name, enc.data ? enc.data : "");
    ly_buf_cleanup(&enc);
    return rc;
}

int s3_list_encoding_or_reply(struct s3_call *c, int *url)
{
    const struct ly_qparam *q = ly_req_query(c->req, "encoding-type");
    *url = q != NULL;
    if (!q || strcmp(q->value, "url") == 0)
        return 0;
    s3_error(c, "InvalidArgument", "Message", "Invalid Encoding Method specified in Request",
             "ArgumentName", "encoding-type", "ArgumentValue", q->value, NULL);
    return LY_EINVAL;
}

int s3_list_max_keys_or_reply(struct s3_call *c, long dflt, long *max)
{
    const struct ly_qparam *q = ly_req_query(c->req, "max-keys");
    *max = dflt;
    if (!q)
        return 0;
    char *end;
    long v = strtol(q->value, &end, 10);
    if (!*q->value || *end || v < 0) {
        s3_error(c, "InvalidArgument", "Message", "Provided max-keys not an integer or within "
                 "integer range", "ArgumentName", "max-keys", "ArgumentValue", q->value, NULL);
        return LY_EINVAL;
    }
    *max = v > dflt ? dflt : v;
    return 0;
}

const char *s3_qval(struct s3_call *c, const char *name)
{
    const struct ly_qparam *q = ly_req_query(c->req, name);
    return q ? q->value : NULL;
}

size_t s3_list_rollup(const char *key, const char *prefix, const char *delimiter)
{
    if (!delimiter || !*delimiter)
        return 0;
    const char *d = strstr(key + (prefix ? strlen(prefix) : 0), delimiter);
    return d ? (size_t)(d - key) + strlen(delimiter) : 0;
}

int s3_list_same_prefix(const char *s, const char *key, size_t n)
{
    return s && strlen(s) == n && strncmp(s, key, n) == 0;
}
