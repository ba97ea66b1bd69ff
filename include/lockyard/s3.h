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
#include "lockyard/op.h"
#include "lockyard/store.h"

struct s3_config {
    const char *region;          /* e.g. "us-east-1" */
    uint64_t object_bytes_max;   /* larger bodies get EntityTooLarge */
    int delete_if_match_missing; /* DeleteObject If-Match on a missing key: 404 (0) or 412 (1) */
    uint64_t part_bytes_min;     /* multipart parts but the last below this: EntityTooSmall
                                      (0: 5 MiB as AWS) */
    uint64_t part_bytes_max;     /* larger UploadPart bodies: EntityTooLarge (0: 5 GiB as AWS,
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

/** The operation of a routed request: its AWS name ("PutObject", "ListObjectsV2", …) and flags,
 *  from the route table (never NULL: "Unknown" when no operation takes it). The route found is
 *  kept in req (s3_route), so later lookups of the same request cost nothing. */
const struct ly_op *s3_op(struct ly_req *req);
/** 1 when the request's operation takes preconditions and it carries one (If-*,
 *  x-amz-copy-source-if-*, DeleteObjects' <ETag>). */
int s3_is_conditional(struct ly_req *req);
/** One row of the S3 route table, as the admin API lists it (GET /_lockyard/operations). */
struct s3_route_info {
    const char *method;     /* "GET", "PUT", … */
    const char *level;      /* "service", "bucket" or "object" */
    const char *sub, *sub2; /* query parameters that select it, or NULL */
    const char *header;     /* a header that selects it, or NULL */
    struct ly_op op;
    const char *action; /* the IAM action a bucket policy is asked about */
    int has_handler;
};
/** Calls fn for every S3 route, in the table's order. */
void s3_each_route(void (*fn)(void *arg, const struct s3_route_info *r), void *arg);

#endif
