/*
 * s3.h - the S3 REST handlers: a parsed request in, an AWS-shaped response out.
 *
 * s3_handle never fails silently: every path ends with a response (2xx, 3xx or
 * an <Error> document) in resp. It reads and writes only through store.
 */
#ifndef LOCKYARD_S3_H
#define LOCKYARD_S3_H

#include <stdint.h>

#include "lockyard/httpmsg.h"
#include "lockyard/store.h"

struct s3_config {
    const char *region;            /* e.g. "us-east-1" */
    uint64_t object_bytes_max;     /* larger bodies get EntityTooLarge */
    int delete_if_match_missing;   /* DeleteObject If-Match on a missing key: 404 (0) or 412 (1) */
    uint64_t part_bytes_min;       /* multipart parts but the last below this: EntityTooSmall
                                      (0: 5 MiB as AWS) */
    uint64_t part_bytes_max;       /* larger UploadPart bodies: EntityTooLarge (0: 5 GiB as AWS,
                                      capped by object_bytes_max) */
};

struct s3_policy_cache;

struct s3_ctx {
    struct store *store;
    const struct s3_config *config;
    struct s3_policy_cache *policies; /* compiled bucket policies; NULL: parsed per request */
};

/** A cache of compiled bucket policies (by bucket and policy generation) for an s3_ctx. */
struct s3_policy_cache *s3_policy_cache_new(void);
void s3_policy_cache_free(struct s3_policy_cache *pc);

/** Handles one S3 request (bucket/key already routed into req). */
void s3_handle(struct s3_ctx *ctx, struct ly_req *req, struct ly_resp *resp);

/** The AWS operation name of a routed request ("PutObject", "ListObjectsV2", …). */
const char *s3_op_name(const struct ly_req *req);
/** 1 when the request carries a precondition (If-*, x-amz-copy-source-if-*, <ETag>). */
int s3_is_conditional(const struct ly_req *req);

/**
 * Sends an S3 <Error> document with the table's status and message for code, plus extra
 * elements as name/value pairs ending with NULL ("Message" replaces the message), and the
 * x-amz-request-id / x-amz-id-2 headers. For callers outside the S3 handlers (net).
 */
void s3_reply_error(struct ly_req *req, struct ly_resp *resp, const char *code, ...);

#endif
