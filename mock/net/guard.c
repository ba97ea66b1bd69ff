/*
 * guard.c - the connection guard (guard.h): a filtering bufferevent between the socket (or
 * TLS) and evhttp. Per connection it frames requests itself - a head is accepted only once
 * httphead_check does, then exactly the body its one framing header announces is taken and
 * hashed as it arrives (body.h), and evhttp is given the head alone when the body is complete -
 * so libevent never sees a second opinion on where a request ends. A refused head is replaced by
 * a stand-in request that serve() answers with the refusal (Connection: close), and the rest
 * of the connection's input is discarded. Answers are written to the socket by guard_write.c.
 */
#include "guard_internal.h"
#include "body.h"
#include "net_internal.h"
#include "lockyard/check.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_BYTES_MAX (48 * 1024) /* evhttp's own cap is set above it (server.c) */
#define CHUNK_LINE_MAX 4096
#define TRAILER_BYTES_MAX (16 * 1024)
#define FD_LOG_INTERVAL_MS 60000
#define FD_RETRY_MS 200

static const struct httphead_refusal too_large = {AWS_S3_REQUEST_HEADER_SECTION_TOO_LARGE, NULL};
static const struct httphead_refusal bad_framing = {AWS_S3_BAD_REQUEST, NULL};
static const struct httphead_refusal entity_too_large = {AWS_S3_ENTITY_TOO_LARGE, NULL};
static const struct httphead_refusal slow_down = {AWS_S3_SLOW_DOWN, NULL};
static const struct httphead_refusal no_memory = {AWS_S3_INTERNAL_ERROR, NULL};

static int64_t now_ms(void)
{
    return guard_now_ms();
}

static void set_listening(struct guard *g)
{
    int on = !g->paused_cap && !g->paused_fds;
    for (size_t i = 0; i < g->nlevs; i++)
        (void)(on ? evconnlistener_enable(g->levs[i]) : evconnlistener_disable(g->levs[i]));
}

/* ---- budget ---------------------------------------------------------------------------- */

/* Reserves n body bytes; a connection alone in flight may always take one body. */
static int reserve(struct gconn *c, uint64_t n)
{
    struct guard *g = c->g;
    if (n && g->inflight > c->reserved && g->inflight + n > g->srv->opts.max_inflight_bytes)
        return -1;
    g->inflight += n;
    c->reserved += n;
    return 0;
}

static void release(struct gconn *c)
{
    c->g->inflight -= c->reserved;
    c->reserved = 0;
}

/* ---- framing --------------------------------------------------------------------------- */

static void request_passed(struct gconn *c)
{
    c->passed++;
    c->state = G_HEAD;
    c->phase_ms = 0;
}

/* Replaces the current request with a stand-in serve() answers with r, then discards. */
static void refuse(struct gconn *c, struct evbuffer *src, struct evbuffer *dst,
                   const struct httphead_refusal *r)
{
    static const char stand_in[] = "GET / HTTP/1.1\r\nHost: lockyard\r\nConnection: close\r\n\r\n";
    /* evhttp has not seen the head of a request whose body is being taken: the stand-in
     * takes its place whole. */
    if (c->state == G_HEAD || c->body)
        evbuffer_add(dst, stand_in, sizeof stand_in - 1);
    net_body_free(c->body);
    c->body = NULL;
    c->refusal = *r;
    c->refused_seq = c->passed + 1;
    request_passed(c);
    c->state = G_DISCARD;
    evbuffer_drain(src, evbuffer_get_length(src));
}

/* The body is in: evhttp gets the head (without its framing header), serve() the body. */
static void body_complete(struct gconn *c, struct evbuffer *src, struct evbuffer *dst)
{
    struct net_body *b = c->body, **pp = &c->ready;
    if (net_body_done(b) != 0) {
        refuse(c, src, dst, &no_memory);
        return;
    }
    evbuffer_add(dst, b->head.data, b->head.len);
    b->seq = c->passed + 1;
    while (*pp)
        pp = &(*pp)->next;
    *pp = b;
    c->body = NULL;
    request_passed(c);
}

static int step_head(struct gconn *c, struct evbuffer *src, struct evbuffer *dst)
{
    unsigned char first;
    while (c->phase_ms == 0 && evbuffer_copyout(src, &first, 1) == 1 &&
           (first == '\r' || first == '\n'))
        evbuffer_drain(src, 1); /* empty lines before a request line are ignored */
    size_t avail = evbuffer_get_length(src), text_len = 0;
    if (avail == 0)
        return 0;
    if (c->phase_ms == 0)
        c->phase_ms = now_ms();
    size_t n = avail < HEAD_BYTES_MAX + 3 ? avail : HEAD_BYTES_MAX + 3;
    const char *p = (const char *)evbuffer_pullup(src, (ev_ssize_t)n);
    size_t total = p ? httphead_end(p, n, &text_len) : 0;
    if (!total || total > HEAD_BYTES_MAX) {
        if (n > HEAD_BYTES_MAX || !p)
            refuse(c, src, dst, &too_large);
        return 0;
    }
    struct httphead h;
    if (httphead_check(p, text_len, &h) != 0) {
        refuse(c, src, dst, &h.refusal);
        return 1;
    }
    if (h.framing == HTTPHEAD_LENGTH && h.content_length > c->g->body_bytes_max) {
        refuse(c, src, dst, &entity_too_large);
        return 1;
    }
    if (h.framing == HTTPHEAD_LENGTH && reserve(c, h.content_length) != 0) {
        refuse(c, src, dst, &slow_down);
        return 1;
    }
    c->body_bytes = c->trailer_bytes = 0;
    c->phase_ms = now_ms();
    if (h.framing == HTTPHEAD_CHUNKED || (h.framing == HTTPHEAD_LENGTH && h.content_length > 0)) {
        /* The body is taken here as it comes; evhttp gets the head once it is complete. */
        c->body = net_body_new(c->g->srv, p, text_len, &h, c->g->body_bytes_max);
        if (!c->body) {
            refuse(c, src, dst, &no_memory);
            return 1;
        }
        evbuffer_drain(src, total);
        if (c->body->expect_continue && evbuffer_get_length(src) == 0)
            guard_send_continue(c);
    } else {
        evbuffer_remove_buffer(src, dst, total);
    }
    if (h.framing == HTTPHEAD_CHUNKED)
        c->state = G_CHUNK_SIZE;
    else if (h.framing == HTTPHEAD_LENGTH && h.content_length > 0)
        c->state = G_BODY, c->left = h.content_length;
    else
        request_passed(c);
    return 1;
}

/* One line (CRLF or LF) of at most max bytes into line; 1 done, 0 wait, -1 too long. */
static int take_line(struct evbuffer *src, char *line, size_t max, size_t *len)
{
    size_t eol_len = 0;
    struct evbuffer_ptr pos = evbuffer_search_eol(src, NULL, &eol_len, EVBUFFER_EOL_CRLF);
    if (pos.pos < 0)
        return evbuffer_get_length(src) > max ? -1 : 0;
    if ((size_t)pos.pos > max)
        return -1;
    evbuffer_remove(src, line, (size_t)pos.pos);
    evbuffer_drain(src, eol_len);
    *len = (size_t)pos.pos;
    return 1;
}

static int step_chunk_size(struct gconn *c, struct evbuffer *src, struct evbuffer *dst)
{
    char line[CHUNK_LINE_MAX + 1];
    size_t len = 0;
    uint64_t size;
    int rc = take_line(src, line, CHUNK_LINE_MAX, &len);
    if (rc == 0)
        return 0;
    if (rc < 0 || httphead_chunk_size(line, len, &size) != 0) {
        refuse(c, src, dst, &bad_framing);
        return 1;
    }
    if (c->body_bytes + size > c->g->body_bytes_max) {
        refuse(c, src, dst, &entity_too_large);
        return 1;
    }
    if (reserve(c, size) != 0) {
        refuse(c, src, dst, &slow_down);
        return 1;
    }
    c->state = size ? G_CHUNK_DATA : G_TRAILER;
    c->left = size;
    return 1;
}

static int step_chunk_end(struct gconn *c, struct evbuffer *src, struct evbuffer *dst)
{
    unsigned char b[2];
    ev_ssize_t n = evbuffer_copyout(src, b, 2);
    if (n >= 1 && b[0] == '\n') {
        evbuffer_drain(src, 1);
    } else if (n == 2 && b[0] == '\r' && b[1] == '\n') {
        evbuffer_drain(src, 2);
    } else {
        if (n == 2 || (n == 1 && b[0] != '\r'))
            refuse(c, src, dst, &bad_framing);
        return n == 2 || (n == 1 && b[0] != '\r');
    }
    c->state = G_CHUNK_SIZE;
    return 1;
}

static int step_trailer(struct gconn *c, struct evbuffer *src, struct evbuffer *dst)
{
    char line[CHUNK_LINE_MAX + 1];
    size_t len = 0;
    int rc = take_line(src, line, CHUNK_LINE_MAX, &len);
    if (rc == 0)
        return 0;
    c->trailer_bytes += len + 2;
    if (rc < 0 || c->trailer_bytes > TRAILER_BYTES_MAX || (len && !memchr(line, ':', len)) ||
        (len && (line[0] == ' ' || line[0] == '\t' || line[0] == ':'))) {
        refuse(c, src, dst, &bad_framing);
        return 1;
    }
    if (len == 0)
        body_complete(c, src, dst);
    else if (net_body_trailer(c->body, line, len) != 0)
        refuse(c, src, dst, &no_memory);
    return 1;
}

static int step(struct gconn *c, struct evbuffer *src, struct evbuffer *dst)
{
    size_t n;
    switch (c->state) {
    case G_HEAD: return step_head(c, src, dst);
    case G_BODY:
    case G_CHUNK_DATA:
        n = evbuffer_get_length(src);
        n = n < c->left ? n : (size_t)c->left;
        if (net_body_take(c->body, src, n) != 0) {
            refuse(c, src, dst, &no_memory);
            return 1;
        }
        c->left -= n;
        c->body_bytes += n;
        if (c->left == 0) {
            if (c->state == G_BODY)
                body_complete(c, src, dst);
            else
                c->state = G_CHUNK_END;
        }
        return n > 0;
    case G_CHUNK_SIZE: return step_chunk_size(c, src, dst);
    case G_CHUNK_END: return step_chunk_end(c, src, dst);
    case G_TRAILER: return step_trailer(c, src, dst);
    default: evbuffer_drain(src, evbuffer_get_length(src)); return 0;
    }
}

static void by_fd_put(struct guard *g, struct gconn *c)
{
    if ((size_t)c->fd >= g->by_fd_len) {
        size_t len = g->by_fd_len ? g->by_fd_len : 64;
        while (len <= (size_t)c->fd)
            len *= 2;
        struct gconn **t = realloc(g->by_fd, len * sizeof *t);
        if (!t)
            return; /* found by the list walk instead */
        memset(t + g->by_fd_len, 0, (len - g->by_fd_len) * sizeof *t);
        g->by_fd = t;
        g->by_fd_len = len;
    }
    g->by_fd[c->fd] = c;
}

static enum bufferevent_filter_result guard_in(struct evbuffer *src, struct evbuffer *dst,
                                               ev_ssize_t limit, enum bufferevent_flush_mode mode,
                                               void *ctx)
{
    (void)limit;
    (void)mode;
    struct gconn *c = ctx;
    if (c->fd < 0 && (c->fd = (int)bufferevent_getfd(c->bev)) >= 0) {
        by_fd_put(c->g, c);
        /* evhttp gave the filter read and write timeouts, which a filter keeps as timers
         * re-armed at every enable (four per request, 1.4k instructions): the guard's own
         * deadlines (on_tick) cover what they did, so the connection has none. */
        bufferevent_set_timeouts(c->bev, NULL, NULL);
    }
    size_t before = evbuffer_get_length(dst);
    while (evbuffer_get_length(src) > 0 && step(c, src, dst))
        ;
    return evbuffer_get_length(dst) > before ? BEV_OK : BEV_NEED_MORE;
}

/* ---- connections ----------------------------------------------------------------------- */

static void gconn_free(void *arg)
{
    struct gconn *c = arg;
    struct guard *g = c->g;
    release(c);
    guard_write_forget(c);
    if (g->last == c)
        g->last = NULL;
    net_body_free(c->body);
    while (c->ready) {
        struct net_body *b = c->ready;
        c->ready = b->next;
        net_body_free(b);
    }
    if (c->fd >= 0 && (size_t)c->fd < g->by_fd_len && g->by_fd[c->fd] == c)
        g->by_fd[c->fd] = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else
        g->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    g->nconns--;
    if (g->paused_cap && g->nconns < g->max_conns) {
        g->paused_cap = 0;
        set_listening(g);
    }
    free(c);
}

/* evhttp's bufferevent callback: the socket (or TLS) bufferevent under the guard's filter. */
static struct bufferevent *guard_bev(struct event_base *base, void *arg)
{
    struct guard_port *port = arg;
    struct guard *g = port->g;
    struct bufferevent *under = NULL, *f = NULL;
    struct gconn *c = calloc(1, sizeof *c);
    SSL *ssl = port->ssl_ctx && c ? SSL_new(port->ssl_ctx) : NULL;
    if (port->ssl_ctx)
        under = ssl ? bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                     BEV_OPT_CLOSE_ON_FREE)
                    : NULL;
    else if (c)
        under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!under && ssl)
        SSL_free(ssl);
    f = under ? bufferevent_filter_new(under, guard_in, guard_out, BEV_OPT_CLOSE_ON_FREE,
                                       gconn_free, c)
              : NULL;
    if (!f) {
        if (under)
            bufferevent_free(under);
        free(c);
        return NULL; /* evhttp then makes a plain one: out of memory, unguarded */
    }
    c->g = g;
    c->bev = f;
    c->fd = -1;
    c->ssl = ssl;
    if (ssl)
        SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    c->idle_ms = now_ms();
    c->next = g->conns;
    if (g->conns)
        g->conns->prev = c;
    g->conns = c;
    if (++g->nconns >= g->max_conns && !g->paused_cap) {
        g->paused_cap = 1;
        set_listening(g);
    }
    return f;
}

static struct gconn *conn_of(struct guard *g, struct evhttp_request *ev)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    if (bev && g->last && g->last->bev == bev)
        return g->last;
    int fd = bev ? (int)bufferevent_getfd(bev) : -1;
    if (fd >= 0 && (size_t)fd < g->by_fd_len && g->by_fd[fd] && g->by_fd[fd]->bev == bev)
        return g->last = g->by_fd[fd];
    for (struct gconn *c = g->conns; bev && c; c = c->next)
        if (c->bev == bev)
            return g->last = c;
    return NULL;
}

const struct httphead_refusal *guard_request(struct guard *g, struct evhttp_request *ev)
{
    struct gconn *c = g ? conn_of(g, ev) : NULL;
    if (!c)
        return NULL;
    c->seen++;
    return c->refused_seq && c->seen == c->refused_seq ? &c->refusal : NULL;
}

struct net_body *guard_take_body(struct guard *g, struct evhttp_request *ev)
{
    struct gconn *c = g ? conn_of(g, ev) : NULL;
    while (c && c->ready && c->ready->seq <= c->seen) {
        struct net_body *b = c->ready;
        c->ready = b->next;
        b->next = NULL;
        if (b->seq == c->seen)
            return b;
        net_body_free(b); /* of a request evhttp never served */
    }
    return NULL;
}

struct guard_mark guard_answered(struct guard *g, struct evhttp_request *ev)
{
    struct guard_mark m = {NULL, -1};
    struct gconn *c = g ? conn_of(g, ev) : NULL;
    if (!c)
        return m;
    if (++c->answered >= c->passed) {
        c->answered = c->passed;
        release(c);
        c->idle_ms = now_ms();
    }
    m.bev = c->bev;
    m.fd = c->fd;
    return m;
}

/* Closes the connection evhttp built around c's filter (evhttp's bufferevent callback arg). */
static void close_conn(struct gconn *c, const char *why)
{
    void *evcon = NULL;
    bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
    c->closing = 1;
    if (c->g->srv->opts.log_level >= 2)
        fprintf(stderr, "lockyard: closing connection fd %d: %s\n", c->fd, why);
    if (evcon && evhttp_connection_get_bufferevent(evcon) == c->bev)
        evhttp_connection_free(evcon);
}

/* The deadlines of a connection with nothing outstanding; NULL: keep it. */
static const char *overdue(const struct gconn *c, int64_t now)
{
    const struct server_opts *o = &c->g->srv->opts;
    int64_t grace = (int64_t)o->header_timeout_ms;
    if (c->state == G_DISCARD) /* refused: evhttp closes it once the refusal is written */
        return now - c->idle_ms >= (int64_t)o->idle_timeout_ms ? "refusal not read" : NULL;
    if (c->state == G_HEAD && c->phase_ms)
        return now - c->phase_ms >= grace ? "request headers not complete in time" : NULL;
    if (c->state == G_HEAD)
        return now - c->idle_ms >= (int64_t)o->idle_timeout_ms ? "idle" : NULL;
    int64_t late = now - c->phase_ms - grace;
    return late > 0 && c->body_bytes * 1000 < o->min_body_rate * (uint64_t)late
               ? "request body slower than --min-body-rate"
               : NULL;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct guard *g = arg;
    int64_t now = now_ms();
    for (struct gconn *c = g->conns, *next; c; c = next) {
        next = c->next;
        const char *why = !c->closing && c->answered == c->passed ? overdue(c, now) : NULL;
        if (!c->closing && c->stalled_ms &&
            now - c->stalled_ms >= (int64_t)g->srv->opts.idle_timeout_ms)
            why = "answer not read"; /* the client takes none of it, requests queued or not */
        if (why)
            close_conn(c, why);
    }
}

/* ---- listeners ------------------------------------------------------------------------- */

/*
 * libevent hands a listener's error callback the evhttp as its argument, so the guard of a
 * listener is found here. Written at setup and cleared at exit; one entry per listener.
 */
static struct {
    struct evconnlistener *lev;
    struct guard *g;
} listener_guards[LISTENERS_MAX * 4];

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct guard *g = arg;
    g->paused_fds = 0;
    set_listening(g);
}

/* accept() failed for want of file descriptors (or memory): pause instead of spinning. */
static void on_accept_error(struct evconnlistener *lev, void *arg)
{
    (void)arg;
    int err = EVUTIL_SOCKET_ERROR();
    struct guard *g = NULL;
    for (size_t i = 0; i < LY_ARRAY_LEN(listener_guards); i++)
        if (listener_guards[i].lev == lev)
            g = listener_guards[i].g;
    if (!g)
        return;
    int64_t now = now_ms();
    if (!g->srv->opts.quiet &&
        (!g->last_fd_log_ms || now - g->last_fd_log_ms >= FD_LOG_INTERVAL_MS)) {
        fprintf(stderr,
                "lockyard: accept() failed (%s) with %zu connections open; accepting "
                "paused, retried every %d ms (this message at most once a minute)\n",
                evutil_socket_error_to_string(err), g->nconns, FD_RETRY_MS);
        g->last_fd_log_ms = now;
    }
    g->paused_fds = 1;
    set_listening(g);
    struct timeval tv = {0, FD_RETRY_MS * 1000};
    if (g->retry)
        evtimer_add(g->retry, &tv);
}

int guard_listener(struct guard *g, struct evconnlistener *lev)
{
    if (g->nlevs == LISTENERS_MAX)
        return -1;
    for (size_t i = 0; i < LY_ARRAY_LEN(listener_guards); i++) {
        if (listener_guards[i].lev)
            continue;
        listener_guards[i].lev = lev;
        listener_guards[i].g = g;
        g->levs[g->nlevs++] = lev;
        evconnlistener_set_error_cb(lev, on_accept_error);
        set_listening(g);
        return 0;
    }
    return -1;
}

void guard_attach(struct guard *g, struct evhttp *http, struct ssl_ctx_st *ssl_ctx)
{
    if (g->nports == PORTS_MAX)
        return;
    struct guard_port *port = &g->ports[g->nports++];
    port->g = g;
    port->ssl_ctx = ssl_ctx;
    evhttp_set_bevcb(http, guard_bev, port);
}

/* ---- setup ----------------------------------------------------------------------------- */

static int64_t tick_ms(const struct server_opts *o)
{
    uint64_t t = o->idle_timeout_ms < o->header_timeout_ms ? o->idle_timeout_ms
                                                           : o->header_timeout_ms;
    t /= 4;
    return t < 20 ? 20 : t > 500 ? 500 : (int64_t)t;
}

struct guard *guard_new(struct server *srv, size_t max_conns)
{
    struct guard *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->srv = srv;
    g->max_conns = max_conns ? max_conns : 1;
    uint64_t m = srv->opts.object_bytes_max;
    g->body_bytes_max = m + m / 8 + (1u << 20); /* room for aws-chunked framing */
    int64_t t = tick_ms(&srv->opts);
    struct timeval tv = {(time_t)(t / 1000), (suseconds_t)(t % 1000 * 1000)};
    g->tick = event_new(srv->base, -1, EV_PERSIST, on_tick, g);
    g->retry = evtimer_new(srv->base, on_retry, g);
    g->flush = event_new(srv->base, -1, 0, guard_on_flush, g);
    if (!g->tick || !g->retry || !g->flush || event_add(g->tick, &tv) != 0) {
        guard_stop(g);
        guard_free(g);
        return NULL;
    }
    return g;
}

void guard_stop(struct guard *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < LY_ARRAY_LEN(listener_guards); i++)
        if (listener_guards[i].g == g)
            listener_guards[i].lev = NULL, listener_guards[i].g = NULL;
    if (g->tick)
        event_free(g->tick);
    if (g->retry)
        event_free(g->retry);
    if (g->flush)
        event_free(g->flush);
    g->tick = g->retry = g->flush = NULL;
    g->nlevs = 0;
}

void guard_free(struct guard *g)
{
    if (!g)
        return;
    free(g->by_fd);
    free(g);
}
