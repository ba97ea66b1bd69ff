/*
 * net_internal.h - shared by mock/net files only.
 */
#ifndef LOCKYARD_NET_INTERNAL_H
#define LOCKYARD_NET_INTERNAL_H

#include "lockyard/ddb.h"
#include "lockyard/httpmsg.h"
#include "lockyard/net.h"
#include "lockyard/s3.h"

#include <event2/event.h>
#include <event2/http.h>

struct server {
    struct server_opts opts;
    struct event_base *base;
    struct evhttp *http;
    struct store *store;
    struct s3_config s3_config;
    struct s3_ctx s3;
    struct ddb_config ddb_config;
    struct ddb_ctx ddb;
    struct event *ttl_timer;       /* ttl.c */
    uint64_t request_count;
    uint32_t id_seed;
    int64_t clock_offset_ms;
};

enum net_service { NET_SVC_S3, NET_SVC_DDB, NET_SVC_STS, NET_SVC_ADMIN };

/**
 * Authenticates req (SigV4 header or presigned query) per --auth, then decodes the payload
 * (x-amz-content-sha256 check, aws-chunked framing with chunk signatures and trailers) into
 * decoded, pointing req->body at it. On failure the service-shaped error is in resp and
 * the return is non-zero.
 */
int net_auth_and_payload_or_reply(struct server *srv, enum net_service svc, struct ly_req *req,
                                  struct ly_resp *resp, struct ly_buf *decoded);

/** A DynamoDB JSON error answer {"__type": "com.amazonaws.dynamodb.v20120810#TYPE", …}. */
void net_ddb_error(struct ly_req *req, struct ly_resp *resp, int status, const char *type,
                   const char *message);

/** The request callback given to evhttp. */
void net_http_request(struct evhttp_request *ev, void *arg);

/** Admin API under /_lockyard/ (path is what follows the prefix). */
void admin_handle(struct server *srv, struct ly_req *req, struct ly_resp *resp, const char *path);

/** Starts / stops the DynamoDB TTL sweep timer (ttl.c). */
int net_ttl_start(struct server *srv);
void net_ttl_stop(struct server *srv);

/** The server clock (wall clock + admin offset), in milliseconds. */
int64_t net_now_ms(const struct server *srv);

#endif
