/*
 * net_internal.h - shared by mock/net files only.
 */
#ifndef LOCKYARD_NET_INTERNAL_H
#define LOCKYARD_NET_INTERNAL_H

#include "lockyard/aws_error.h"
#include "lockyard/fault.h"
#include "lockyard/ddb.h"
#include "lockyard/httpmsg.h"
#include "lockyard/net.h"
#include "lockyard/s3.h"

#include <event2/event.h>
#include <event2/http.h>

#define NET_SNAPSHOTS_MAX 64

struct pending;
struct syncer;
struct offload;
struct guard;
struct net_body;
struct journal;
struct metrics;

struct server {
    struct server_opts opts;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp *https;      /* NULL without --tls-listen */
    struct evhttp *admin_http; /* NULL without --admin-listen */
    struct guard *guard;       /* guard.c: framing, limits, deadlines */
    struct ssl_ctx_st *ssl_ctx;
    struct store *store;
    struct s3_config s3_config;
    struct s3_ctx s3;
    struct ddb_config ddb_config;
    struct ddb_ctx ddb;
    struct event *ttl_timer; /* ttl.c */
    uint64_t request_count;
    struct fault_rule *rules; /* in evaluation order */
    size_t nrules, rules_cap;
    uint64_t next_rule_id;
    struct pending *inflight;   /* requests waiting on a timer or a hold */
    struct pending *sync_queue; /* group durability: answers waiting for a sync (syncer.c) */
    struct pending **sync_tail; /* the link the next one is appended at */
    struct pending *pool;       /* freed requests kept for the next ones (pending.c) */
    size_t npool;
    struct syncer *syncer;
    struct event *kick_ev;   /* starts a sync once the loop's current turn is done */
    struct offload *offload; /* offload.c: the worker of handlers' off-loop work, or NULL */
    uint64_t syncing_id;     /* store_commit_id covered by the sync that runs */
    uint64_t synced_id;      /* covered by the last sync that succeeded */
    struct {
        struct store_snapshot *snap;
        int64_t at_ms;
    } snaps[NET_SNAPSHOTS_MAX];
    size_t nsnaps; /* oldest first; kept while stale_read rules exist */
    struct journal *journal;
    struct metrics *metrics;
    uint32_t id_seed;
    int64_t clock_offset_ms;
    int https_port;       /* bound HTTPS port (0: none), for /_lockyard/health */
    char cert_path[4200]; /* absolute path of the served certificate, or "" */
};

enum net_service { NET_SVC_S3, NET_SVC_DDB, NET_SVC_STS, NET_SVC_ADMIN };

/**
 * Authenticates req (SigV4 header or presigned query) per --auth, then decodes the payload
 * (x-amz-content-sha256 check, aws-chunked framing with chunk signatures and trailers) into
 * decoded, pointing req->body at it; a body the guard took (body, or NULL) was decoded and
 * hashed as it came, and only its signature chain and final checks are left. On failure the service-shaped error is in resp and
 * the return is non-zero.
 */
int net_auth_and_payload_or_reply(struct server *srv, enum net_service svc, struct ly_req *req,
                                  struct ly_resp *resp, struct ly_buf *decoded,
                                  struct net_body *body);

struct sigv4_chunk_signer;
/**
 * Under --auth sigv4, the chunk-signature signer a streaming-signed request's head implies
 * (its Authorization and X-Amz-Date values, not NUL-terminated): the key of the configured
 * secret for its access key, its scope, its signature as the seed. It is derived before the
 * request is authenticated, so that chunks can be checked as they arrive; the answer still
 * comes from the authenticated request's own signer. @return 0, or non-zero when none applies
 */
int net_auth_early_chunk_signer(const struct server *srv, const char *authz, size_t authz_len,
                                const char *amz_date, size_t date_len,
                                struct sigv4_chunk_signer *out);

/**
 * Admits an admin API request (the token, or a signed request under --auth sigv4) or answers
 * an AWS-shaped 403. @return 0 when admitted
 */
int net_admin_auth_or_reply(struct server *srv, struct ly_req *req, struct ly_resp *resp,
                            struct ly_buf *decoded, struct net_body *body);

/** The request callback given to evhttp (pipeline.c). */
void net_http_request(struct evhttp_request *ev, void *arg);
/** The request callback of the --admin-listen listener. */
void net_http_admin_request(struct evhttp_request *ev, void *arg);

/* http.c: from the wire and back. */
/** body: the one the guard took for this request (guard_take_body), or NULL. */
int net_fill_request(struct server *srv, struct evhttp_request *ev, struct ly_req *req,
                     const struct net_body *body);
enum net_service net_classify(const struct ly_req *req);
int net_route_s3(struct ly_req *req);
void net_send_reply(struct evhttp_request *ev, struct ly_req *req, struct ly_resp *resp);
/* libevent's reason phrase for status, or NULL when lockyard does not know it (http.c) */
const char *net_reason_phrase(int status);

/* stale.c */
/** Keeps the stale_read snapshots (after_write: the state just changed, take one now). */
void net_stale_maintain(struct server *srv, int after_write);

/* faultset.c: the installed fault rules. */
/** Adds a copy of rule at the end (its id assigned into id_out). 0 or LY_ENOMEM. */
int net_fault_add(struct server *srv, const struct fault_rule *rule, char *id_out, size_t id_size);
int net_fault_delete(struct server *srv, const char *id); /* LY_ENOENT when unknown */
void net_fault_clear(struct server *srv);
void net_fault_free(struct server *srv);

/* pipeline.c: held requests, driven by the admin API. */
/** Releases requests held by rule id (NULL: all). @return how many were released. */
size_t net_release(struct server *srv, const char *rule_id);
void net_pipeline_free(struct server *srv);
/** --durability group: starts the sync thread (after one sync of what is on disk). 0 or -1. */
int net_pipeline_durable_init(struct server *srv);

/** Applies lockyard's limits and request callback to an evhttp instance. */
void net_http_configure(struct server *srv, struct evhttp *http);

/** Sets up srv->https with a certificate (given, or self-signed under data_dir/tls). */
int net_tls_setup(struct server *srv, const char *data_dir);
/** --memory: removes the generated key and certificate with the temporary store. */
void net_tls_remove_generated(struct server *srv, const char *data_dir);

/** Admin API under /_lockyard/ (path is what follows the prefix); release and reset, which
 *  act on requests in flight, are the pipeline's (pipeline.c). */
void admin_handle(struct server *srv, struct ly_req *req, struct ly_resp *resp, const char *path);
/** Admin answers: a JSON document (consumed; NULL answers 500), {"error": msg}. */
void admin_reply_json(struct ly_req *req, struct ly_resp *resp, int status, struct json_t *doc);
void admin_reply_error(struct ly_req *req, struct ly_resp *resp, int status, const char *msg);
/** The request's JSON body ({} when empty), or NULL when it is not JSON. */
struct json_t *admin_body_json(const struct ly_req *req);
/** 1 when req uses method m (GET also admits HEAD), else answers 405 with msg. */
int admin_method_is(struct ly_req *req, struct ly_resp *resp, enum ly_method m, const char *msg);

/** Starts / stops the DynamoDB TTL sweep timer (ttl.c). */
int net_ttl_start(struct server *srv);
void net_ttl_stop(struct server *srv);

/* clock.c */
/** The server clock (wall clock + admin offset), in milliseconds. */
int64_t net_now_ms(const struct server *srv);
/** Sets the offset to *set_ms (when given), then moves it by *advance_ms (when given); the
 *  clock must stay within 1970-01-01 and 9999-12-31. 0, or LY_ERANGE with nothing changed. */
int net_clock_move(struct server *srv, const int64_t *set_ms, const int64_t *advance_ms);

#endif
