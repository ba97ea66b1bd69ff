/*
 * aws_error.h - every AWS error lockyard answers, and the one place their answers are written.
 *
 * An error is a value of enum aws_err. Each service has one table (aws_error.c) giving the
 * HTTP status, the AWS code and the default message; each wire format has one writer:
 * aws_s3_error (S3's <Error> XML), aws_ddb_error (DynamoDB's JSON with __type) and
 * aws_sts_error (STS's <ErrorResponse> XML). Every writer sets resp->status and
 * resp->error_code (the journal's and the request log's code). A fault rule's code is free
 * text: aws_injected_error answers it in the service's format, with the table's row when the
 * code is one of them.
 */
#ifndef LOCKYARD_AWS_ERROR_H
#define LOCKYARD_AWS_ERROR_H

#include "lockyard/httpmsg.h"

#include <stdarg.h>

enum aws_service { AWS_SVC_S3, AWS_SVC_DDB, AWS_SVC_STS };

enum aws_err {
    AWS_ERR_NONE = 0,
    /* S3 (the code is the name in CamelCase: AWS_S3_NO_SUCH_KEY is NoSuchKey) */
    AWS_S3_ACCESS_DENIED,
    AWS_S3_AUTHORIZATION_HEADER_MALFORMED,
    AWS_S3_AUTHORIZATION_QUERY_PARAMETERS_ERROR,
    AWS_S3_BAD_DIGEST,
    AWS_S3_BAD_REQUEST,
    AWS_S3_BUCKET_ALREADY_EXISTS,
    AWS_S3_BUCKET_ALREADY_OWNED_BY_YOU,
    AWS_S3_BUCKET_NOT_EMPTY,
    AWS_S3_CONDITIONAL_REQUEST_CONFLICT,
    AWS_S3_ENTITY_TOO_LARGE,
    AWS_S3_ENTITY_TOO_SMALL,
    AWS_S3_ILLEGAL_LOCATION_CONSTRAINT,
    AWS_S3_ILLEGAL_VERSIONING_CONFIGURATION,
    AWS_S3_INCOMPLETE_BODY,
    AWS_S3_INTERNAL_ERROR,
    AWS_S3_INVALID_ACCESS_KEY_ID,
    AWS_S3_INVALID_ARGUMENT,
    AWS_S3_INVALID_BUCKET_NAME,
    AWS_S3_INVALID_DIGEST,
    AWS_S3_INVALID_LOCATION_CONSTRAINT,
    AWS_S3_INVALID_PART,
    AWS_S3_INVALID_PART_NUMBER,
    AWS_S3_INVALID_PART_ORDER,
    AWS_S3_INVALID_RANGE,
    AWS_S3_INVALID_REQUEST,
    AWS_S3_INVALID_STORAGE_CLASS,
    AWS_S3_INVALID_URI,
    AWS_S3_KEY_TOO_LONG_ERROR,
    AWS_S3_MALFORMED_POLICY,
    AWS_S3_MALFORMED_XML,
    AWS_S3_METADATA_TOO_LARGE,
    AWS_S3_METHOD_NOT_ALLOWED,
    AWS_S3_MISSING_CONTENT_LENGTH,
    AWS_S3_NO_SUCH_BUCKET,
    AWS_S3_NO_SUCH_BUCKET_POLICY,
    AWS_S3_NO_SUCH_KEY,
    AWS_S3_NO_SUCH_UPLOAD,
    AWS_S3_NO_SUCH_VERSION,
    AWS_S3_NOT_IMPLEMENTED,
    AWS_S3_PRECONDITION_FAILED,
    AWS_S3_REQUEST_HEADER_SECTION_TOO_LARGE,
    AWS_S3_REQUEST_TIME_TOO_SKEWED,
    AWS_S3_SERVICE_UNAVAILABLE,
    AWS_S3_SIGNATURE_DOES_NOT_MATCH,
    AWS_S3_SLOW_DOWN,
    AWS_S3_XAMZ_CONTENT_SHA256_MISMATCH,
    /* DynamoDB (the code is the part of __type after '#') */
    AWS_DDB_CONDITIONAL_CHECK_FAILED,
    AWS_DDB_IDEMPOTENT_PARAMETER_MISMATCH,
    AWS_DDB_INCOMPLETE_SIGNATURE,
    AWS_DDB_INTERNAL_SERVER_ERROR,
    AWS_DDB_INVALID_SIGNATURE,
    AWS_DDB_LIMIT_EXCEEDED,
    AWS_DDB_MISSING_AUTHENTICATION_TOKEN,
    AWS_DDB_REQUEST_ENTITY_TOO_LARGE,
    AWS_DDB_RESOURCE_IN_USE,
    AWS_DDB_RESOURCE_NOT_FOUND,
    AWS_DDB_SERIALIZATION,
    AWS_DDB_THROTTLING,
    AWS_DDB_TRANSACTION_CANCELED,
    AWS_DDB_TRANSACTION_CONFLICT,
    AWS_DDB_UNKNOWN_OPERATION,
    AWS_DDB_UNRECOGNIZED_CLIENT,
    AWS_DDB_VALIDATION,
    /* STS */
    AWS_STS_INCOMPLETE_SIGNATURE,
    AWS_STS_INTERNAL_FAILURE,
    AWS_STS_INVALID_ACTION,
    AWS_STS_INVALID_CLIENT_TOKEN_ID,
    AWS_STS_MISSING_AUTHENTICATION_TOKEN,
    AWS_STS_REQUEST_EXPIRED,
    AWS_STS_SIGNATURE_DOES_NOT_MATCH,
    AWS_ERR_COUNT_
};

struct aws_err_def {
    int status;
    const char *code;    /* as AWS spells it on the wire */
    const char *message; /* the default message */
    const char *ns;      /* DynamoDB: the namespace before '#' in __type */
    const char *msg_key; /* DynamoDB: "message", "Message", or NULL for no message member */
};

/** The table row of e (e must be a valid error, not AWS_ERR_NONE: asserted). */
const struct aws_err_def *aws_err_def(enum aws_err e);
/** The service whose table holds e. */
enum aws_service aws_err_service(enum aws_err e);
/** The error of svc whose code is code, or AWS_ERR_NONE. */
enum aws_err aws_err_find(enum aws_service svc, const char *code);

/**
 * S3: <Error><Code/><Message/>extra…<RequestId/><HostId/></Error> with the table's status,
 * Content-Type and the x-amz-request-id / x-amz-id-2 headers (replacing any). The extra
 * elements are name/value pairs ending with NULL (values XML-escaped); a pair named "Message"
 * replaces the table's message. Other headers already in resp stay. HEAD answers carry no
 * body. e must be an S3 error.
 */
void aws_s3_error(const struct ly_req *req, struct ly_resp *resp, enum aws_err e, ...);
void aws_s3_error_v(const struct ly_req *req, struct ly_resp *resp, enum aws_err e, va_list ap);

/**
 * DynamoDB: {"__type": NS#Code, <msg_key>: message, extra's members} with the table's
 * status, Content-Type, x-amzn-RequestId and x-amz-crc32. message NULL: the table's; an
 * empty message of a SerializationException leaves the member out, as DynamoDB does for a
 * body that is not JSON. extra (a JSON object, or NULL) is not consumed.
 */
void aws_ddb_error(const struct ly_req *req, struct ly_resp *resp, enum aws_err e,
                   const char *message, const void *extra);
/**
 * A DynamoDB answer with a JSON document (a jansson json_t *, not consumed): the text, the
 * status, Content-Type, x-amzn-RequestId and x-amz-crc32 over the exact bytes. A document
 * that cannot be written becomes a 500 InternalServerError.
 */
void aws_ddb_reply(const struct ly_req *req, struct ly_resp *resp, int status, const void *doc);
/** The same for an answer whose JSON text the caller has written into resp->body already. */
void aws_ddb_reply_written(const struct ly_req *req, struct ly_resp *resp, int status);

/** STS: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
 *  message NULL: the table's. */
void aws_sts_error(const struct ly_req *req, struct ly_resp *resp, enum aws_err e,
                   const char *message);

/**
 * A fault rule's answer: the rule's status and code (free text) in the wire format of svc,
 * with message. A code in svc's table uses its row's DynamoDB namespace; S3's InternalError
 * and InvalidRequest (a rule's defaults) answer DynamoDB as InternalServerError and
 * ValidationException.
 */
void aws_injected_error(const struct ly_req *req, struct ly_resp *resp, enum aws_service svc,
                        int status, const char *code, const char *message);

/** 500 in svc's wire format (S3 InternalError, DynamoDB InternalServerError, STS
 *  InternalFailure), replacing any header already set on resp. */
void aws_internal_error(const struct ly_req *req, struct ly_resp *resp, enum aws_service svc);

#endif
