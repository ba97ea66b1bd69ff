/* syncer.c - the sync thread of --durability group (see syncer.h). */
#include "syncer.h"
#include "wake.h"

#include <pthread.h>
#include <stdlib.h>

struct syncer {
    struct store *store;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int requested;    /* under mu: a sync to run */
    int quit;         /* under mu: the thread ends */
    int failed;       /* written by the thread before it signals the pipe */
    int busy;         /* loop only: started, done not yet called */
    struct wake wake; /* signalled by the thread after each sync */
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
        wake_signal(&y->wake);
    }
    pthread_mutex_unlock(&y->mu);
    return NULL;
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct syncer *y = arg;
    if (!wake_drain(&y->wake))
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
    if (wake_open(&y->wake, base, on_done, y) != 0) {
        free(y);
        return NULL;
    }
    pthread_mutex_init(&y->mu, NULL);
    pthread_cond_init(&y->cv, NULL);
    if (pthread_create(&y->thread, NULL, run, y) != 0) {
        pthread_cond_destroy(&y->cv);
        pthread_mutex_destroy(&y->mu);
        wake_close(&y->wake);
        free(y);
        return NULL;
    }
    return y;
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
    wake_close(&y->wake);
    pthread_cond_destroy(&y->cv);
    pthread_mutex_destroy(&y->mu);
    free(y);
}
