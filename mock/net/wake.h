/*
 * wake.h - a worker thread waking the event loop (net only): a pipe whose read end is a
 * persistent loop event. The worker writes a byte after leaving its result under its own lock;
 * the loop's callback drains the pipe and takes the results. The sync thread (syncer.c) and the
 * off-loop worker (offload.c) both use it.
 */
#ifndef LOCKYARD_NET_WAKE_H
#define LOCKYARD_NET_WAKE_H

#include <event2/event.h>

struct wake {
    int fds[2]; /* the worker writes to fds[1]; the loop reads fds[0] */
    struct event *ev;
};

/** Opens the pipe (non-blocking read end, both close-on-exec) and adds the loop event that runs
 *  cb(fd, what, arg). @return 0, or -1 with nothing left open */
int wake_open(struct wake *w, struct event_base *base, event_callback_fn cb, void *arg);
/** Any thread: wakes the loop (one byte to the pipe). */
void wake_signal(struct wake *w);
/** In the loop's callback: reads everything the pipe holds. @return whether it held anything */
int wake_drain(struct wake *w);
/** Frees the event and closes the pipe (the worker has stopped). */
void wake_close(struct wake *w);

#endif
