/*
 * client.h - lockyard's own HTTP client: keep-alive connections on one
 * libevent loop, SigV4 (header form) signing for S3 and DynamoDB, and a
 * blocking helper for set-up calls. Shared by the scenario runner, probes and
 * tests; depends only on core (sigv4, buf) and libevent.
 *
 * Ownership: struct ly_client and struct ly_client_conn are opaque heap
 * objects (_new/_free). A request struct is only read during
 * ly_client_send (everything is copied); the response passed to a callback
 * is valid only during the callback.
 */
#ifndef LOCKYARD_CLIENT_H
#define LOCKYARD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "lockyard/err.h"
#include "lockyard/sigv4.h"

struct event_base;
struct ly_client;
struct ly_client_conn;

#define LY_CLIENT_BODY_MAX (16u << 20) /* larger response bodies are an error */
#define LY_CLIENT_HEADERS_MAX 16       /* extra headers per request */

struct ly_client_opts {
    const char *host; /* "127.0.0.1" */
    int port;
    const char *region; /* "us-east-1" */
    const char *access_key;
    const char *secret_key;
    const char *session_token; /* NULL unless temporary credentials */
    int timeout_ms;            /* per request; 0 = 30 s */
    int tls;                   /* 1: HTTPS (certificate and host name verified) */
    const char *ca_file;       /* PEM bundle to trust; NULL: AWS_CA_BUNDLE, SSL_CERT_FILE or the
                              system store */
};

/**
 * Fills host (host_size bytes), *port and *tls from "http://HOST[:PORT]" or
 * "https://HOST[:PORT]" (default ports 80 / 443; IPv6 literals in brackets).
 * @return 0 or LY_EINVAL
 */
int ly_client_parse_url(const char *url, char *host, size_t host_size, int *port,
                        int *tls) LY_WARN_UNUSED;

struct ly_http_header {
    const char *name;
    const char *value;
};

struct ly_client_req {
    const char *method;  /* GET HEAD PUT POST DELETE */
    const char *path;    /* percent-encoded path, starting with '/' */
    const char *query;   /* without '?', or NULL */
    const char *service; /* "s3", "dynamodb", or NULL for an unsigned request */
    struct ly_http_header headers[LY_CLIENT_HEADERS_MAX];
    size_t headers_count;
    const void *body;
    size_t body_len;
};

/** An answer. status 0 = none (connection refused/reset, timeout); then err = LY_EIO. */
struct ly_client_resp {
    int status;
    int err;
    const char *body; /* NUL-terminated; "" when empty */
    size_t body_len;
    const void *priv_;                    /* header access, see ly_client_resp_header */
    const struct ly_http_header *headers; /* an answer made by the caller (priv_ NULL): its */
    size_t headers_count;                 /* headers, which ly_client_resp_header searches */
};

typedef void (*ly_client_cb)(const struct ly_client_resp *resp, void *arg);

/** @return 0, LY_EINVAL (no host), LY_ENOMEM */
int ly_client_new(struct event_base *base, const struct ly_client_opts *opts,
                  struct ly_client **out) LY_WARN_UNUSED;
void ly_client_free(struct ly_client *c);

/** One keep-alive connection; requests on it are sent in order. @return 0 or LY_ENOMEM */
int ly_client_conn_new(struct ly_client *c, struct ly_client_conn **out) LY_WARN_UNUSED;
/** Frees the connection; callbacks of requests still in flight are not called. */
void ly_client_conn_free(struct ly_client_conn *conn);

/**
 * Signs (when req->service is set) and sends a request; cb runs exactly once
 * from the event loop, unless the connection is freed first.
 * @param now_s seconds since the epoch for X-Amz-Date
 * @return 0; LY_EINVAL for a bad request; LY_ENOMEM; signing errors
 */
int ly_client_send(struct ly_client_conn *conn, const struct ly_client_req *req, int64_t now_s,
                   ly_client_cb cb, void *arg) LY_WARN_UNUSED;

/** A response header (case-insensitive), or NULL. Only inside a callback. */
const char *ly_client_resp_header(const struct ly_client_resp *resp, const char *name);

/**
 * Copies every header of an answer into one heap block (*out: count entries followed by their
 * strings; free(*out) releases all). @return 0 or LY_ENOMEM
 */
int ly_client_resp_copy_headers(const struct ly_client_resp *resp, struct ly_http_header **out,
                                size_t *count) LY_WARN_UNUSED;

/** A response kept after the callback (ly_client_call). Clean up with ly_client_result_cleanup. */
struct ly_client_result {
    int status; /* 0 = no answer */
    char *body; /* heap, NUL-terminated, never NULL after a call */
    size_t body_len;
    char etag[128]; /* ETag header or "" */
};

/**
 * Sends a request and runs the event loop until it is answered. Only call
 * it outside event-loop callbacks (set-up, final reads).
 * @return 0 (see out->status); the errors of ly_client_send; LY_ENOMEM
 */
int ly_client_call(struct ly_client_conn *conn, const struct ly_client_req *req, int64_t now_s,
                   struct ly_client_result *out) LY_WARN_UNUSED;
void ly_client_result_cleanup(struct ly_client_result *r);

/** Appends name/value to req->headers. @return 0 or LY_ETOOBIG */
int ly_client_req_header(struct ly_client_req *req, const char *name,
                         const char *value) LY_WARN_UNUSED;

/** Percent-encodes an S3 key for a path (keeps '/' and unreserved). @return 0 or LY_ENOMEM */
int ly_client_encode_key(const char *key, struct ly_buf *out) LY_WARN_UNUSED;

#endif
