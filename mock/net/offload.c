/* offload.c - the worker thread of handlers' off-loop work (see offload.h). */
#include "offload.h"
#include "net_internal.h"
#include "wake.h"

#include <event2/bufferevent.h>
#include <pthread.h>
#include <stdlib.h>

struct item {
    struct ly_offload *job;
    offload_done_fn done;
    void *arg;
    struct event *gone; /* the client's socket closing (EV_CLOSED): the job is cancelled */
    struct item *next;
};

struct offload {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct item *queue;   /* under mu: waiting, oldest first */
    struct item *running; /* under mu: the job the worker runs */
    struct item *ended;   /* under mu: run, for the loop to resume, oldest first */
    int quit;             /* under mu */
    struct wake wake;     /* signalled by the worker per ended job */
    uint64_t bytes;       /* loop: stored bytes of the jobs not yet resumed */
    size_t njobs;         /* loop: jobs not yet resumed */
};

static void append(struct item **list, struct item *it)
{
    while (*list)
        list = &(*list)->next;
    it->next = NULL;
    *list = it;
}

static void *run(void *arg)
{
    struct offload *o = arg;
    pthread_mutex_lock(&o->mu);
    for (;;) {
        while (!o->queue && !o->quit)
            pthread_cond_wait(&o->cv, &o->mu);
        if (o->quit)
            break; /* what is queued ends cancelled (net_offload_free) */
        struct item *it = o->queue;
        o->queue = it->next;
        o->running = it;
        pthread_mutex_unlock(&o->mu);
        if (!atomic_load(&it->job->cancel))
            it->job->work(it->job);
        pthread_mutex_lock(&o->mu);
        o->running = NULL;
        append(&o->ended, it);
        wake_signal(&o->wake);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

/* Resumes the ended jobs, in the order they were queued (loop). */
static void on_ended(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct offload *o = arg;
    (void)wake_drain(&o->wake);
    pthread_mutex_lock(&o->mu);
    struct item *it = o->ended;
    o->ended = NULL;
    pthread_mutex_unlock(&o->mu);
    while (it) {
        struct item *next = it->next;
        o->bytes -= it->job->bytes;
        o->njobs--;
        if (it->gone)
            event_free(it->gone);
        it->done(it->arg, atomic_load(&it->job->cancel) ? LY_OFFLOAD_CANCELLED : LY_OFFLOAD_DONE);
        free(it);
        it = next;
    }
}

static struct offload *offload_new(struct event_base *base)
{
    struct offload *o = calloc(1, sizeof *o);
    if (!o || wake_open(&o->wake, base, on_ended, o) != 0) {
        free(o);
        return NULL;
    }
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    if (pthread_create(&o->thread, NULL, run, o) == 0)
        return o;
    pthread_cond_destroy(&o->cv);
    pthread_mutex_destroy(&o->mu);
    wake_close(&o->wake);
    free(o);
    return NULL;
}

static void on_gone(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    net_offload_cancel(arg);
}

/* evhttp does not look at a connection while its request is being answered: the job watches
 * the socket for the client's close itself (EV_CLOSED: EPOLLRDHUP, no byte is read). */
static struct event *watch_close(struct server *srv, struct evhttp_connection *conn,
                                 struct ly_offload *job)
{
    struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    struct event *ev = fd >= 0 ? event_new(srv->base, fd, EV_CLOSED, on_gone, job) : NULL;
    if (ev && event_add(ev, NULL) != 0) {
        event_free(ev);
        ev = NULL;
    }
    return ev;
}

void net_offload(struct server *srv, struct ly_offload *job, struct evhttp_connection *conn,
                 offload_done_fn done, void *arg)
{
    if (!srv->offload)
        srv->offload = offload_new(srv->base); /* the first job starts the worker */
    struct offload *o = srv->offload;
    struct item *it = NULL;
    if (o && (o->njobs == 0 || (o->njobs < OFFLOAD_JOBS_MAX &&
                                o->bytes + job->bytes <= srv->opts.max_inflight_bytes)))
        it = malloc(sizeof *it);
    if (!it) {
        done(arg, LY_OFFLOAD_BUSY);
        return;
    }
    it->job = job;
    it->done = done;
    it->arg = arg;
    it->gone = watch_close(srv, conn, job);
    o->bytes += job->bytes;
    o->njobs++;
    pthread_mutex_lock(&o->mu);
    append(&o->queue, it);
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

void net_offload_resume(struct ly_resp *resp, enum ly_offload_end end)
{
    struct ly_offload *job = resp->offload;
    resp->offload = NULL;
    job->resume(job, end);
}

void net_offload_cancel(struct ly_offload *job)
{
    if (job)
        atomic_store(&job->cancel, 1);
}

void net_offload_free(struct server *srv)
{
    struct offload *o = srv->offload;
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    o->quit = 1;
    if (o->running)
        atomic_store(&o->running->job->cancel, 1);
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
    pthread_join(o->thread, NULL);
    struct item *left = o->ended, **tail = &left; /* the worker is gone: no lock needed */
    while (*tail)
        tail = &(*tail)->next;
    *tail = o->queue;
    o->ended = o->queue = NULL;
    while (left) {
        struct item *next = left->next;
        if (left->gone)
            event_free(left->gone);
        left->done(left->arg, LY_OFFLOAD_CANCELLED);
        free(left);
        left = next;
    }
    wake_close(&o->wake);
    pthread_cond_destroy(&o->cv);
    pthread_mutex_destroy(&o->mu);
    free(o);
    srv->offload = NULL;
}
