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

struct s3_ctx {
    struct store *store;
    const struct s3_config *config;
};

/** Handles one S3 request (bucket/key already routed into req). */
void s3_handle(struct s3_ctx *ctx, struct ly_req *req, struct ly_resp *resp);

/** The AWS operation name of a routed request ("PutObject", "ListObjectsV2", …). */
const char *s3_op_name(const struct ly_req *req);
/** 1 when the request carries a precondition (If-*, x-amz-copy-source-if-*, <ETag>). */
int s3_is_conditional(const struct ly_req *req);

#endif
