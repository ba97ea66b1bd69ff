/*
 * aws_error.c - the tables of the AWS errors lockyard answers (one per service) and the one
 * writer per wire format. See aws_error.h.
 */
#include "lockyard/aws_error.h"
#include "lockyard/check.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <isa-l.h>

#define NS_DDB "com.amazonaws.dynamodb.v20120810"
#define NS_VALIDATE "com.amazon.coral.validate"
#define NS_SERVICE "com.amazon.coral.service"
#define STS_XMLNS "https://sts.amazonaws.com/doc/2011-06-15/"

/* Tables laid out by hand, one row per entry. */
/* clang-format off */
static const struct aws_err_def s3_errors[AWS_ERR_COUNT_] = {
    [AWS_S3_ACCESS_DENIED] = {403, "AccessDenied", "Access Denied"},
    [AWS_S3_AUTHORIZATION_HEADER_MALFORMED] = {400, "AuthorizationHeaderMalformed",
        "The authorization header is malformed."},
    [AWS_S3_AUTHORIZATION_QUERY_PARAMETERS_ERROR] = {400, "AuthorizationQueryParametersError",
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
        "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
    [AWS_S3_BAD_DIGEST] = {400, "BadDigest",
        "The Content-MD5 you specified did not match what we received."},
    [AWS_S3_BAD_REQUEST] = {400, "BadRequest", "An error occurred when parsing the HTTP request."},
    [AWS_S3_BUCKET_ALREADY_EXISTS] = {409, "BucketAlreadyExists",
        "The requested bucket name is not available. The bucket namespace is shared by all users "
        "of the system. Please select a different name and try again."},
    [AWS_S3_BUCKET_ALREADY_OWNED_BY_YOU] = {409, "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it."},
    [AWS_S3_BUCKET_NOT_EMPTY] = {409, "BucketNotEmpty",
        "The bucket you tried to delete is not empty"},
    [AWS_S3_CONDITIONAL_REQUEST_CONFLICT] = {409, "ConditionalRequestConflict",
        "The conditional request cannot succeed due to a conflicting operation against this "
        "resource."},
    [AWS_S3_ENTITY_TOO_LARGE] = {400, "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size"},
    [AWS_S3_ENTITY_TOO_SMALL] = {400, "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed object size."},
    [AWS_S3_ILLEGAL_LOCATION_CONSTRAINT] = {400, "IllegalLocationConstraintException",
        "The unspecified location constraint is incompatible for the region specific endpoint "
        "this request was sent to."},
    [AWS_S3_ILLEGAL_VERSIONING_CONFIGURATION] = {400, "IllegalVersioningConfigurationException",
        "The Versioning element must be specified"},
    [AWS_S3_INCOMPLETE_BODY] = {400, "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header."},
    [AWS_S3_INTERNAL_ERROR] = {500, "InternalError",
        "We encountered an internal error. Please try again."},
    [AWS_S3_INVALID_ACCESS_KEY_ID] = {403, "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records."},
    [AWS_S3_INVALID_ARGUMENT] = {400, "InvalidArgument", "Invalid Argument"},
    [AWS_S3_INVALID_BUCKET_NAME] = {400, "InvalidBucketName", "The specified bucket is not valid."},
    [AWS_S3_INVALID_DIGEST] = {400, "InvalidDigest", "The Content-MD5 you specified is not valid."},
    [AWS_S3_INVALID_LOCATION_CONSTRAINT] = {400, "InvalidLocationConstraint",
        "The specified location-constraint is not valid"},
    [AWS_S3_INVALID_PART] = {400, "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag."},
    [AWS_S3_INVALID_PART_NUMBER] = {416, "InvalidPartNumber",
        "The requested partnumber is not satisfiable"},
    [AWS_S3_INVALID_PART_ORDER] = {400, "InvalidPartOrder",
        "The list of parts was not in ascending order. Parts must be ordered by part number."},
    [AWS_S3_INVALID_RANGE] = {416, "InvalidRange", "The requested range is not satisfiable"},
    [AWS_S3_INVALID_REQUEST] = {400, "InvalidRequest", "Invalid Request"},
    [AWS_S3_INVALID_STORAGE_CLASS] = {400, "InvalidStorageClass",
        "The storage class you specified is not valid"},
    [AWS_S3_INVALID_URI] = {400, "InvalidURI", "Couldn't parse the specified URI."},
    [AWS_S3_KEY_TOO_LONG_ERROR] = {400, "KeyTooLongError", "Your key is too long"},
    [AWS_S3_MALFORMED_POLICY] = {400, "MalformedPolicy",
        "Policies must be valid JSON and the first byte must be '{'"},
    [AWS_S3_MALFORMED_XML] = {400, "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema"},
    [AWS_S3_METADATA_TOO_LARGE] = {400, "MetadataTooLarge",
        "Your metadata headers exceed the maximum allowed metadata size"},
    [AWS_S3_METHOD_NOT_ALLOWED] = {405, "MethodNotAllowed",
        "The specified method is not allowed against this resource."},
    [AWS_S3_MISSING_CONTENT_LENGTH] = {411, "MissingContentLength",
        "You must provide the Content-Length HTTP header."},
    [AWS_S3_NO_SUCH_BUCKET] = {404, "NoSuchBucket", "The specified bucket does not exist"},
    [AWS_S3_NO_SUCH_BUCKET_POLICY] = {404, "NoSuchBucketPolicy",
        "The bucket policy does not exist"},
    [AWS_S3_NO_SUCH_KEY] = {404, "NoSuchKey", "The specified key does not exist."},
    [AWS_S3_NO_SUCH_UPLOAD] = {404, "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may "
        "have been aborted or completed."},
    [AWS_S3_NO_SUCH_VERSION] = {404, "NoSuchVersion", "The specified version does not exist."},
    [AWS_S3_NOT_IMPLEMENTED] = {501, "NotImplemented",
        "A header you provided implies functionality that is not implemented"},
    [AWS_S3_PRECONDITION_FAILED] = {412, "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold"},
    [AWS_S3_REQUEST_HEADER_SECTION_TOO_LARGE] = {400, "RequestHeaderSectionTooLarge",
        "Your request header section exceeds the maximum allowed size."},
    [AWS_S3_REQUEST_TIME_TOO_SKEWED] = {403, "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large."},
    [AWS_S3_SERVICE_UNAVAILABLE] = {503, "ServiceUnavailable", "Please reduce your request rate."},
    [AWS_S3_SIGNATURE_DOES_NOT_MATCH] = {403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check "
        "your key and signing method."},
    [AWS_S3_SLOW_DOWN] = {503, "SlowDown", "Please reduce your request rate."},
    [AWS_S3_XAMZ_CONTENT_SHA256_MISMATCH] = {400, "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed."},
};

static const struct aws_err_def ddb_errors[AWS_ERR_COUNT_] = {
    [AWS_DDB_CONDITIONAL_CHECK_FAILED] = {400, "ConditionalCheckFailedException",
        "The conditional request failed", NS_DDB, "message"},
    [AWS_DDB_IDEMPOTENT_PARAMETER_MISMATCH] = {400, "IdempotentParameterMismatchException",
        "The request uses the same client token as a previous, but non-identical request.",
        NS_DDB, "message"},
    [AWS_DDB_INCOMPLETE_SIGNATURE] = {400, "IncompleteSignatureException",
        "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
        "parameters and an X-Amz-Date header.", NS_DDB, "message"},
    [AWS_DDB_INTERNAL_SERVER_ERROR] = {500, "InternalServerError", "Internal server error",
        NS_DDB, "message"},
    [AWS_DDB_INVALID_SIGNATURE] = {400, "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method. Consult the service documentation for "
        "details.", NS_DDB, "message"},
    [AWS_DDB_LIMIT_EXCEEDED] = {400, "LimitExceededException",
        "Too many operations for a given subscriber.", NS_DDB, "message"},
    [AWS_DDB_MISSING_AUTHENTICATION_TOKEN] = {400, "MissingAuthenticationTokenException",
        "Request is missing Authentication Token", NS_DDB, "message"},
    [AWS_DDB_REQUEST_ENTITY_TOO_LARGE] = {413, "RequestEntityTooLarge",
        "Request entity too large", NS_DDB, "message"},
    [AWS_DDB_RESOURCE_IN_USE] = {400, "ResourceInUseException", "Resource in use", NS_DDB,
        "message"},
    [AWS_DDB_RESOURCE_NOT_FOUND] = {400, "ResourceNotFoundException",
        "Requested resource not found", NS_DDB, "message"},
    [AWS_DDB_SERIALIZATION] = {400, "SerializationException", "", NS_SERVICE, "Message"},
    [AWS_DDB_THROTTLING] = {400, "ThrottlingException",
        "Rate of requests exceeds the allowed throughput.", NS_DDB, "message"},
    [AWS_DDB_TRANSACTION_CANCELED] = {400, "TransactionCanceledException",
        "Transaction cancelled", NS_DDB, "Message"},
    [AWS_DDB_TRANSACTION_CONFLICT] = {400, "TransactionConflictException",
        "Transaction is ongoing for the item", NS_DDB, "message"},
    [AWS_DDB_UNKNOWN_OPERATION] = {400, "UnknownOperationException", "", NS_SERVICE, NULL},
    [AWS_DDB_UNRECOGNIZED_CLIENT] = {400, "UnrecognizedClientException",
        "The security token included in the request is invalid.", NS_DDB, "message"},
    [AWS_DDB_VALIDATION] = {400, "ValidationException", "", NS_VALIDATE, "message"},
};

static const struct aws_err_def sts_errors[AWS_ERR_COUNT_] = {
    [AWS_STS_INCOMPLETE_SIGNATURE] = {400, "IncompleteSignature",
        "The request signature does not conform to AWS standards."},
    [AWS_STS_INTERNAL_FAILURE] = {500, "InternalFailure",
        "The request processing has failed because of an unknown error, exception or failure."},
    [AWS_STS_INVALID_ACTION] = {400, "InvalidAction",
        "The action or operation requested is invalid. Verify that the action is typed "
        "correctly."},
    [AWS_STS_INVALID_CLIENT_TOKEN_ID] = {403, "InvalidClientTokenId",
        "The security token included in the request is invalid."},
    [AWS_STS_MISSING_AUTHENTICATION_TOKEN] = {403, "MissingAuthenticationToken",
        "Request is missing Authentication Token"},
    [AWS_STS_REQUEST_EXPIRED] = {400, "RequestExpired",
        "The request signature we calculated does not match the signature you provided."},
    [AWS_STS_SIGNATURE_DOES_NOT_MATCH] = {403, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided."},
};
/* clang-format on */

static const struct aws_err_def *const tables[] = {
    [AWS_SVC_S3] = s3_errors, [AWS_SVC_DDB] = ddb_errors, [AWS_SVC_STS] = sts_errors};

enum aws_service aws_err_service(enum aws_err e)
{
    LY_ASSERT(e > AWS_ERR_NONE && e < AWS_ERR_COUNT_);
    for (size_t s = 0; s < LY_ARRAY_LEN(tables); s++)
        if (tables[s][e].code)
            return (enum aws_service)s;
    LY_ASSERT(!"every error has a row in one table");
    return AWS_SVC_S3;
}

const struct aws_err_def *aws_err_def(enum aws_err e)
{
    return &tables[aws_err_service(e)][e];
}

enum aws_err aws_err_find(enum aws_service svc, const char *code)
{
    for (int e = AWS_ERR_NONE + 1; code && e < AWS_ERR_COUNT_; e++)
        if (tables[svc][e].code && strcmp(tables[svc][e].code, code) == 0)
            return (enum aws_err)e;
    return AWS_ERR_NONE;
}

/* The S3 wire format. pairs: np name/value strings. */
static void s3_xml(const struct ly_req *req, struct ly_resp *resp, int status, const char *code,
                   const char *message, const char *const *pairs, size_t np)
{
    struct ly_buf *b = &resp->body;
    ly_buf_reset(b);
    resp->status = status;
    resp->error_code = code;
    /* the ids live as long as the request (its arena), so as long as the answer */
    if (ly_resp_header_set_ref(resp, "x-amz-request-id", req->request_id) ||
        ly_resp_header_set_ref(resp, "x-amz-id-2", req->host_id) || req->method == LY_HEAD)
        return;
    int rc = ly_buf_reserve(b, 512); /* room for most errors at once */
    if (!rc)
        rc = ly_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    if (!rc)
        rc = ly_buf_add_xml_elem(b, "Code", code);
    if (!rc)
        rc = ly_buf_add_xml_elem(b, "Message", message);
    for (size_t i = 0; !rc && i + 1 < np; i += 2)
        rc = ly_buf_add_xml_elem(b, pairs[i], pairs[i + 1]);
    if (!rc)
        rc = ly_buf_add_xml_elem(b, "RequestId", req->request_id);
    if (!rc)
        rc = ly_buf_add_xml_elem(b, "HostId", req->host_id);
    if (!rc)
        rc = ly_buf_adds(b, "</Error>");
    /* out of room: the status with no body rather than a torn document */
    if (rc || ly_resp_header_set_ref(resp, "Content-Type", "application/xml") != 0)
        ly_buf_reset(b);
}

void aws_s3_error_v(const struct ly_req *req, struct ly_resp *resp, enum aws_err e, va_list ap)
{
    LY_ASSERT(aws_err_service(e) == AWS_SVC_S3);
    const struct aws_err_def *def = &s3_errors[e];
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
    s3_xml(req, resp, def->status, def->code, message, pairs, np);
}

void aws_s3_error(const struct ly_req *req, struct ly_resp *resp, enum aws_err e, ...)
{
    va_list ap;
    va_start(ap, e);
    aws_s3_error_v(req, resp, e, ap);
    va_end(ap);
}

void aws_ddb_reply(const struct ly_req *req, struct ly_resp *resp, int status, const void *doc)
{
    /* The empty answer (PutItem, DeleteItem, UpdateItem without ReturnValues) is not dumped */
    bool empty = json_is_object((const json_t *)doc) && json_object_size(doc) == 0;
    char *text = doc && !empty ? json_dumps(doc, JSON_COMPACT) : NULL;
    ly_buf_reset(&resp->body);
    resp->status = status;
    if (empty ? ly_buf_adds(&resp->body, "{}") : !text || ly_buf_adds(&resp->body, text)) {
        resp->status = 500;
        resp->error_code = ddb_errors[AWS_DDB_INTERNAL_SERVER_ERROR].code;
        ly_buf_reset(&resp->body);
        if (ly_buf_adds(&resp->body, "{\"__type\":\"" NS_DDB "#InternalServerError\"}"))
            ly_buf_reset(&resp->body);
    }
    free(text);
    aws_ddb_reply_written(req, resp, resp->status);
}

void aws_ddb_reply_written(const struct ly_req *req, struct ly_resp *resp, int status)
{
    resp->status = status;
    /* zlib's CRC32 (reflected IEEE, as gzip's): ISA-L's carry-less multiply gives the same */
    unsigned long crc = crc32_gzip_refl(0, (const unsigned char *)resp->body.data, resp->body.len);
    char dec[24], *d = dec + sizeof dec; /* the CRC in decimal, written without printf */
    *--d = '\0';
    do
        *--d = (char)('0' + crc % 10);
    while (crc /= 10);
    if (ly_resp_header_set(resp, req->arena, "Content-Type", "application/x-amz-json-1.0") ||
        ly_resp_header_set(resp, req->arena, "x-amzn-RequestId", req->request_id) ||
        ly_resp_header(resp, req->arena, "x-amz-crc32", d)) {
        resp->status = 500;
        resp->error_code = ddb_errors[AWS_DDB_INTERNAL_SERVER_ERROR].code;
    }
}

/* The DynamoDB wire format. */
static void ddb_json(const struct ly_req *req, struct ly_resp *resp, int status,
                     const struct aws_err_def *def, const char *code, const char *message,
                     const json_t *extra)
{
    char *type = ly_arena_printf(req->arena, "%s#%s", def->ns, code);
    json_t *doc = type ? json_object() : NULL;
    if (doc) {
        json_object_set_new(doc, "__type", json_string(type));
        if (def->msg_key)
            json_object_set_new(doc, def->msg_key, json_string(message ? message : ""));
        if (extra)
            json_object_update(doc, (json_t *)extra);
    }
    resp->error_code = code;
    aws_ddb_reply(req, resp, status, doc);
    json_decref(doc);
}

void aws_ddb_error(const struct ly_req *req, struct ly_resp *resp, enum aws_err e,
                   const char *message, const void *extra)
{
    LY_ASSERT(aws_err_service(e) == AWS_SVC_DDB);
    struct aws_err_def def = ddb_errors[e];
    if (e == AWS_DDB_SERIALIZATION && message && !*message)
        def.msg_key = NULL; /* a body that is not JSON: no message at all */
    ddb_json(req, resp, def.status, &def, def.code, message ? message : def.message, extra);
}

/* The STS wire format. */
static void sts_xml(const struct ly_req *req, struct ly_resp *resp, int status, const char *code,
                    const char *message)
{
    struct ly_buf *b = &resp->body;
    ly_buf_reset(b);
    resp->status = status;
    resp->error_code = code;
    int rc = ly_buf_addf(b, "<ErrorResponse xmlns=\"%s\"><Error>", STS_XMLNS);
    if (!rc)
        rc = ly_buf_add_xml_elem(b, "Type", status >= 500 ? "Receiver" : "Sender");
    if (!rc)
        rc = ly_buf_add_xml_elem(b, "Code", code);
    if (!rc)
        rc = ly_buf_add_xml_elem(b, "Message", message);
    if (!rc)
        rc = ly_buf_adds(b, "</Error>");
    if (!rc)
        rc = ly_buf_add_xml_elem(b, "RequestId", req->request_id);
    if (!rc)
        rc = ly_buf_adds(b, "</ErrorResponse>");
    if (!rc)
        rc = ly_resp_header_set(resp, req->arena, "Content-Type", "text/xml");
    if (!rc)
        rc = ly_resp_header_set(resp, req->arena, "x-amzn-RequestId", req->request_id);
    if (rc)
        ly_buf_reset(b);
}

void aws_sts_error(const struct ly_req *req, struct ly_resp *resp, enum aws_err e,
                   const char *message)
{
    LY_ASSERT(aws_err_service(e) == AWS_SVC_STS);
    const struct aws_err_def *def = &sts_errors[e];
    sts_xml(req, resp, def->status, def->code, message ? message : def->message);
}

void aws_injected_error(const struct ly_req *req, struct ly_resp *resp, enum aws_service svc,
                        int status, const char *code, const char *message)
{
    if (svc == AWS_SVC_DDB) {
        if (strcmp(code, "InternalError") == 0)
            code = "InternalServerError";
        else if (strcmp(code, "InvalidRequest") == 0)
            code = "ValidationException";
    }
    enum aws_err e = aws_err_find(svc, code);
    const char *own = e ? tables[svc][e].code : ly_arena_strdup(req->arena, code);
    resp->nhdrs = 0;
    if (svc == AWS_SVC_DDB) {
        struct aws_err_def def = {status, own, message, NS_DDB, "message"};
        if (e)
            def.ns = ddb_errors[e].ns;
        ddb_json(req, resp, status, &def, own ? own : "InternalServerError", message, NULL);
    } else if (svc == AWS_SVC_STS) {
        sts_xml(req, resp, status, own ? own : "InternalFailure", message);
    } else {
        s3_xml(req, resp, status, own ? own : "InternalError", message, NULL, 0);
    }
}

void aws_internal_error(const struct ly_req *req, struct ly_resp *resp, enum aws_service svc)
{
    resp->nhdrs = 0;
    if (svc == AWS_SVC_DDB)
        aws_ddb_error(req, resp, AWS_DDB_INTERNAL_SERVER_ERROR, NULL, NULL);
    else if (svc == AWS_SVC_STS)
        aws_sts_error(req, resp, AWS_STS_INTERNAL_FAILURE, NULL);
    else
        aws_s3_error(req, resp, AWS_S3_INTERNAL_ERROR, NULL);
}
