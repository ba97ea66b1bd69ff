/* syncer.c - the sync thread of --durability group (see syncer.h). */
#include "syncer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct syncer {
    struct store *store;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int requested; /* under mu: a sync to run */
    int quit;      /* under mu: the thread ends */
    int failed;    /* written by the thread before it signals the pipe */
    int busy;      /* loop only: started, done not yet called */
    int fds[2];    /* the thread writes one byte to fds[1] after each sync */
    struct event *done_ev;
    void (*done)(void *arg, int failed);
    void *arg;
};

static void *run(void *arg)
{
    struct syncer *y = arg;
    pthread_mutex_lock(&y->mu);
    for (;;) {
        while (!y->requested && !y->quit)
            pthread_cond_wait(&y->cv, &y->mu);
        if (!y->requested)
            break; /* quit, nothing asked */
        y->requested = 0;
        pthread_mutex_unlock(&y->mu);
        int failed = store_sync(y->store) != 0;
        pthread_mutex_lock(&y->mu);
        y->failed = failed;
        char b = 1;
        while (write(y->fds[1], &b, 1) < 0 && errno == EINTR)
            ;
    }
    pthread_mutex_unlock(&y->mu);
    return NULL;
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct syncer *y = arg;
    char b[16];
    if (read(fd, b, sizeof b) <= 0)
        return;
    pthread_mutex_lock(&y->mu);
    int failed = y->failed;
    pthread_mutex_unlock(&y->mu);
    y->busy = 0;
    y->done(y->arg, failed);
}

struct syncer *syncer_new(struct event_base *base, struct store *s,
                          void (*done)(void *arg, int failed), void *arg)
{
    struct syncer *y = calloc(1, sizeof *y);
    if (!y)
        return NULL;
    y->store = s;
    y->done = done;
    y->arg = arg;
    y->fds[0] = y->fds[1] = -1;
    if (pipe(y->fds) != 0 || fcntl(y->fds[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(y->fds[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(y->fds[1], F_SETFD, FD_CLOEXEC) != 0)
        goto fail;
    y->done_ev = event_new(base, y->fds[0], EV_READ | EV_PERSIST, on_done, y);
    if (!y->done_ev || event_add(y->done_ev, NULL) != 0)
        goto fail;
    pthread_mutex_init(&y->mu, NULL);
    pthread_cond_init(&y->cv, NULL);
    if (pthread_create(&y->thread, NULL, run, y) != 0) {
        pthread_cond_destroy(&y->cv);
        pthread_mutex_destroy(&y->mu);
        goto fail;
    }
    return y;
fail:
    if (y->done_ev)
        event_free(y->done_ev);
    for (int i = 0; i < 2; i++)
        if (y->fds[i] >= 0)
            close(y->fds[i]);
    free(y);
    return NULL;
}

int syncer_start(struct syncer *y)
{
    if (y->busy)
        return -1;
    y->busy = 1;
    pthread_mutex_lock(&y->mu);
    y->requested = 1;
    pthread_cond_signal(&y->cv);
    pthread_mutex_unlock(&y->mu);
    return 0;
}

int syncer_busy(const struct syncer *y)
{
    return y->busy;
}

void syncer_free(struct syncer *y)
{
    if (!y)
        return;
    pthread_mutex_lock(&y->mu);
    y->quit = 1;
    pthread_cond_signal(&y->cv);
    pthread_mutex_unlock(&y->mu);
    pthread_join(y->thread, NULL); /* a running sync finishes first */
    event_free(y->done_ev);
    close(y->fds[0]);
    close(y->fds[1]);
    pthread_cond_destroy(&y->cv);
    pthread_mutex_destroy(&y->mu);
    free(y);
}
