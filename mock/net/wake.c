/* wake.c - a worker thread waking the event loop through a pipe (see wake.h). */
#include "wake.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int wake_open(struct wake *w, struct event_base *base, event_callback_fn cb, void *arg)
{
    w->fds[0] = w->fds[1] = -1;
    w->ev = NULL;
    if (pipe(w->fds) != 0 || fcntl(w->fds[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(w->fds[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(w->fds[1], F_SETFD, FD_CLOEXEC) != 0)
        goto fail;
    w->ev = event_new(base, w->fds[0], EV_READ | EV_PERSIST, cb, arg);
    if (w->ev && event_add(w->ev, NULL) == 0)
        return 0;
fail:
    wake_close(w);
    return -1;
}

void wake_signal(struct wake *w)
{
    char b = 1;
    while (write(w->fds[1], &b, 1) < 0 && errno == EINTR)
        ;
}

int wake_drain(struct wake *w)
{
    char b[64];
    int any = 0;
    ssize_t n;
    while ((n = read(w->fds[0], b, sizeof b)) > 0 || (n < 0 && errno == EINTR))
        any |= n > 0;
    return any;
}

void wake_close(struct wake *w)
{
    if (w->ev)
        event_free(w->ev);
    w->ev = NULL;
    for (int i = 0; i < 2; i++) {
        if (w->fds[i] >= 0)
            close(w->fds[i]);
        w->fds[i] = -1;
    }
}
