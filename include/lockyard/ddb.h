/*
 * ddb.h - the DynamoDB JSON 1.0 handlers: a parsed request in, an AWS-shaped
 * response out.
 *
 * net routes every request carrying X-Amz-Target here (after SigV4 and payload
 * checks). ddb_handle parses the JSON body, runs the operation named by
 * "DynamoDB_20120810.<Op>" and always leaves exactly one answer in resp: 200
 * with a JSON object, or 400/500 with {"__type": ns#Code, "message": ...}.
 * Every answer carries Content-Type application/x-amz-json-1.0,
 * x-amzn-RequestId and x-amz-crc32 (zlib CRC-32 of the body bytes sent).
 * Handlers read and write only through store_ddb.h; memory is the request arena
 * plus jansson objects freed before returning. Never includes libevent.
 */
#ifndef LOCKYARD_DDB_H
#define LOCKYARD_DDB_H

#include <jansson.h>
#include <stddef.h>

#include "lockyard/arena.h"
#include "lockyard/httpmsg.h"
#include "lockyard/op.h"
#include "lockyard/store.h"

struct ddb_config {
    const char *region;     /* e.g. "us-east-1", used in ARNs */
    const char *account_id; /* 12 digits, used in ARNs */
};

struct ddb_table_cache;

struct ddb_ctx {
    struct store *store;
    const struct ddb_config *config;
    struct ddb_table_cache *tables; /* parsed table descriptions; NULL until first use */
};

/** The operation named (the part of X-Amz-Target after '.'): its flags from the operation
 *  table (never NULL: "Unknown" with no flags for a name the table lacks). */
const struct ly_op *ddb_op(const char *name);
/** Calls fn for every DynamoDB operation, in the table's order. */
void ddb_each_op(void (*fn)(void *arg, const struct ly_op *op, int has_handler), void *arg);

/**
 * Parses a request body (jansson, JSON_ALLOW_NUL) into arena a: the tree lives as long as a
 * and is released with it (it keeps one reference of its own, so the caller's json_decref
 * frees nothing). Read it only: a member set or deleted in it would be handed to free(). NULL
 * when the body is not JSON. A body over 64 KiB, or one the arena cannot hold, is parsed with
 * malloc as usual (and freed by the caller's json_decref). Long plain string values reach
 * jansson as short placeholders and are set afterwards (ddb_body.c): the tree is the one
 * json_loadb makes of the body, at a fraction of its lexer's cost.
 */
json_t *ddb_body_parse(struct ly_arena *a, const void *body, size_t len);

/** Handles one DynamoDB request (req->body is the decoded JSON payload). */
void ddb_handle(struct ddb_ctx *ctx, struct ly_req *req, struct ly_resp *resp);

/** Frees what the handlers cached in ctx (ctx->tables); ctx may be used again afterwards. */
void ddb_ctx_cleanup(struct ddb_ctx *ctx);

#endif
