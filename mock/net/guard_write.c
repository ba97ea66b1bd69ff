/*
 * guard_write.c - the connection guard's output (guard_internal.h): answers evhttp queued in a
 * connection's filter are written to the socket (or TLS) from the guard's own events, never
 * inside evhttp's calls, as is the interim "100 Continue" of a body the client waits to send.
 */
#include "guard_internal.h"

#include <errno.h>
#include <event2/buffer.h>
#include <openssl/err.h>

static void on_writable(evutil_socket_t fd, short what, void *arg);

/* ---- answers ----------------------------------------------------------------------------- */

/*
 * evhttp shuts a connection down as soon as the filter reports its answer written, and the
 * filter reports that once the bytes leave its own buffer, not the process. So the guard writes
 * answers to the socket itself, from its own event (never inside evhttp's calls): what the
 * kernel does not take yet stays in the filter's output until the socket is writable again.
 */
static ev_ssize_t write_some(struct gconn *c, struct evbuffer *src)
{
    if (!c->ssl)
        return evbuffer_write(src, c->fd);
    size_t len = evbuffer_get_contiguous_space(src);
    len = len < (1u << 20) ? len : 1u << 20;
    const void *data = evbuffer_pullup(src, (ev_ssize_t)len);
    ERR_clear_error();
    int n = data ? SSL_write(c->ssl, data, (int)len) : -1;
    if (n > 0) {
        evbuffer_drain(src, (size_t)n);
        return n;
    }
    int e = SSL_get_error(c->ssl, n);
    errno = e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? EAGAIN : EPIPE;
    return -1;
}

/* Writes c's output from the loop: now, through the guard's one flush event (connections queued
 * in order), or once the socket takes more, through c's own event, made the first time the
 * socket is full: an idle connection holds no event of its own (issue 14's idle cost). */
static void schedule_write(struct gconn *c, int wait_writable)
{
    struct guard *g = c->g;
    if (wait_writable && !c->wev && c->fd >= 0)
        c->wev = event_new(bufferevent_get_base(c->bev), c->fd, EV_WRITE, on_writable, c);
    if (wait_writable && c->wev)
        event_add(c->wev, NULL);
    if (wait_writable || c->queued || c->fd < 0 || !g->flush)
        return;
    c->queued = 1;
    c->flush_next = NULL;
    *(g->flush_tail ? &g->flush_tail->flush_next : &g->flush_head) = c;
    g->flush_tail = c;
    event_active(g->flush, EV_TIMEOUT, 1);
}

enum bufferevent_filter_result guard_out(struct evbuffer *src, struct evbuffer *dst,
                                         ev_ssize_t limit, enum bufferevent_flush_mode mode,
                                         void *ctx)
{
    (void)dst;
    (void)limit;
    (void)mode;
    struct gconn *c = ctx;
    if (c->fd < 0)
        c->fd = (int)bufferevent_getfd(c->bev);
    if (c->g->flushing != c) {
        schedule_write(c, 0);
        return BEV_NEED_MORE;
    }
    while (evbuffer_get_length(src) > 0) {
        if (write_some(c, src) > 0) {
            c->stalled_ms = 0;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (!c->stalled_ms) /* the guard closes it if the client reads none for a while */
                c->stalled_ms = guard_now_ms();
            schedule_write(c, 1);
            return BEV_NEED_MORE;
        }
        evbuffer_drain(src, evbuffer_get_length(src)); /* the peer is gone; reading notices */
    }
    return BEV_OK;
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct gconn *c = arg;
    struct guard *g = c->g;
    g->flushing = c;
    bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL); /* may free c (evhttp closes) */
    g->flushing = NULL;
}

void guard_on_flush(evutil_socket_t fd, short what, void *arg)
{
    struct guard *g = arg;
    for (struct gconn *c; (c = g->flush_head) != NULL;) {
        if (!(g->flush_head = c->flush_next))
            g->flush_tail = NULL;
        c->queued = 0;
        on_writable(fd, what, c); /* may free c, queue others, or queue c again */
    }
}

void guard_flush(struct guard *g, struct guard_mark m)
{
    if (!g || !m.bev || m.fd < 0 || (size_t)m.fd >= g->by_fd_len)
        return;
    struct gconn *c = g->by_fd[m.fd]; /* unset when the filter was freed meanwhile */
    if (c && c->bev == m.bev && !c->closing && evbuffer_get_length(bufferevent_get_output(c->bev)))
        schedule_write(c, 0);
}

/* ---- 100 Continue ------------------------------------------------------------------- */

static void on_continue(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    struct gconn *c = arg;
    struct evbuffer *b = evbuffer_new();
    if (b && c->fd >= 0 && evbuffer_add(b, line, sizeof line - 1) == 0)
        while (evbuffer_get_length(b) > 0 && write_some(c, b) > 0)
            ;
    if (b)
        evbuffer_free(b);
}

/* Expect: 100-continue on a body the client has not started: the interim answer, written
 * from the guard's own event as answers are (evhttp has not seen this head yet). */
void guard_send_continue(struct gconn *c)
{
    if (!c->cev)
        c->cev = event_new(bufferevent_get_base(c->bev), -1, 0, on_continue, c);
    if (c->cev)
        event_active(c->cev, EV_TIMEOUT, 1);
}

void guard_write_forget(struct gconn *c)
{
    struct guard *g = c->g;
    if (c->wev)
        event_free(c->wev);
    for (struct gconn **pp = &g->flush_head, *prev = NULL; c->queued && *pp;
         pp = &(*pp)->flush_next) {
        if (*pp == c) {
            *pp = c->flush_next;
            g->flush_tail = g->flush_tail == c ? prev : g->flush_tail;
            break;
        }
        prev = *pp;
    }
    if (c->cev)
        event_free(c->cev);
    c->wev = c->cev = NULL;
    c->queued = 0;
}
