/*
 * guard.h - the connection guard: every connection's bytes pass through it before libevent's
 * HTTP parser (a filtering bufferevent). It checks each request head (lockyard/httphead.h),
 * takes each body itself as it arrives (body.h: kept and hashed in one pass; evhttp gets the
 * head without its framing header once the body is complete), holds the connection cap, the
 * header deadline, the minimum body rate, the idle timeout and the in-flight body budget, and pauses
 * accepting when file descriptors run out. What it refuses becomes an AWS-shaped answer
 * through the normal request path.
 */
#ifndef LOCKYARD_NET_GUARD_H
#define LOCKYARD_NET_GUARD_H

#include "lockyard/httphead.h"

#include <event2/http.h>
#include <event2/listener.h>

struct server;
struct guard;
struct ssl_ctx_st;

/** @return the guard for srv's limits (srv->base set), or NULL on allocation failure. */
struct guard *guard_new(struct server *srv, size_t max_conns);
/** Stops its timers and listener hooks: before the event base is freed. */
void guard_stop(struct guard *g);
/** Frees it: after the event base (whose last callbacks free the connections) is freed. */
void guard_free(struct guard *g);

/** Installs the guard on an evhttp (plain connections, or TLS ones when ssl_ctx is set). */
void guard_attach(struct guard *g, struct evhttp *http, struct ssl_ctx_st *ssl_ctx);
/** Registers a listener: paused at the connection cap and when accept() runs out of fds. */
int guard_listener(struct guard *g, struct evconnlistener *lev);

/**
 * Called for each request evhttp hands lockyard: the refusal to answer instead of serving it
 * (the guard already consumed the rest of the connection's input), or NULL.
 */
const struct httphead_refusal *guard_request(struct guard *g, struct evhttp_request *ev);
struct net_body;
/**
 * The body the guard took for the request guard_request last saw on ev's connection (body.h),
 * now the caller's to free with net_body_free; NULL when the request had none.
 */
struct net_body *guard_take_body(struct guard *g, struct evhttp_request *ev);
/** Identifies a connection across a reply that may free it. */
struct guard_mark {
    const void *bev;
    int fd;
};
/** Called once per request answered (or dropped) on a live connection, before the answer. */
struct guard_mark guard_answered(struct guard *g, struct evhttp_request *ev);
/**
 * Pushes an answer evhttp queued through the filter: evhttp adds the answer to the output
 * before it enables writing, which a filtering bufferevent only notices on the next add.
 * A no-op when the connection is gone.
 */
void guard_flush(struct guard *g, struct guard_mark m);

#endif
