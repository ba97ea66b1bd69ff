/*
 * guard_internal.h - the connection guard's state, shared by its two files (net only):
 * guard.c frames requests and keeps the connections, their limits and the listeners;
 * guard_write.c writes answers (and "100 Continue") to the sockets from the loop.
 */
#ifndef LOCKYARD_NET_GUARD_INTERNAL_H
#define LOCKYARD_NET_GUARD_INTERNAL_H

#include "guard.h"

#include <event2/bufferevent.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <time.h>

#define LISTENERS_MAX 8
#define PORTS_MAX 4

enum gstate { G_HEAD, G_BODY, G_CHUNK_SIZE, G_CHUNK_DATA, G_CHUNK_END, G_TRAILER, G_DISCARD };

struct gconn {
    struct guard *g;
    struct bufferevent *bev;         /* the filter evhttp reads from */
    uint64_t left;                   /* body or chunk bytes still to pass on */
    uint64_t body_bytes;             /* body bytes of the current request so far */
    uint64_t reserved;               /* in-flight budget held by this connection */
    int64_t phase_ms;                /* start of the current head or body; 0: none started */
    int64_t idle_ms;                 /* when the connection last had nothing outstanding */
    int64_t stalled_ms;              /* since when the socket takes none of an answer; 0: not */
    uint32_t passed, seen, answered; /* requests passed to evhttp, served, answered */
    uint32_t refused_seq;            /* 1-based number of the request to refuse, 0: none */
    uint32_t trailer_bytes;          /* at most TRAILER_BYTES_MAX + a line */
    enum gstate state;
    struct httphead_refusal refusal;
    int fd;
    unsigned closing : 1; /* freed by evhttp; the filter goes at the loop's end */
    unsigned queued : 1;  /* on the guard's flush list */
    SSL *ssl;             /* TLS connections: answers are written with SSL_write */
    struct event *wev;    /* waits for the socket to take more (made when it first is full) */
    struct gconn *flush_next;
    struct net_body *body;  /* the body being taken (body.h) */
    struct net_body *ready; /* complete bodies serve() has not taken yet, in order */
    struct event *cev;      /* writes "100 Continue" */
    struct gconn *prev, *next;
};

struct guard_port {
    struct guard *g;
    SSL_CTX *ssl_ctx;
};

struct guard {
    struct server *srv;
    struct gconn *conns;
    size_t nconns, max_conns;
    struct gconn **by_fd;
    size_t by_fd_len;
    uint64_t inflight;       /* body bytes reserved by all connections */
    uint64_t body_bytes_max; /* largest body a request may carry */
    struct evconnlistener *levs[LISTENERS_MAX];
    size_t nlevs;
    int paused_cap, paused_fds;
    struct event *tick, *retry;
    int64_t last_fd_log_ms;
    struct guard_port ports[PORTS_MAX];
    size_t nports;
    struct gconn *flushing; /* the connection whose output on_writable is writing */
    struct event *flush;    /* writes the queued connections' output (schedule_write) */
    struct gconn *flush_head, *flush_tail;
    struct gconn *last; /* the connection conn_of found last (a request's calls ask in a row) */
};

/** The guard's clock (monotonic milliseconds). */
static inline int64_t guard_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- guard_write.c ------------------------------------------------------------------- */

/** The filter's output callback: answers are written from the loop, never inside evhttp. */
enum bufferevent_filter_result guard_out(struct evbuffer *src, struct evbuffer *dst,
                                         ev_ssize_t limit, enum bufferevent_flush_mode mode,
                                         void *ctx);
/** The guard's flush event: writes the queued connections' output, in order. */
void guard_on_flush(evutil_socket_t fd, short what, void *arg);
/** Queues the interim "100 Continue" answer of c's current request (Expect: 100-continue). */
void guard_send_continue(struct gconn *c);
/** Drops c's write events and its place in the flush queue (the connection is freed). */
void guard_write_forget(struct gconn *c);

#endif
