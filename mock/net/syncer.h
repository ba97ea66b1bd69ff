/*
 * syncer.h - the sync thread of --durability group (private to mock/net).
 *
 * The event loop commits writes without syncing and keeps serving; when answers wait for
 * durability it starts a sync here: a thread of its own flushes the store (store_sync, i.e.
 * mdb_env_sync) while the loop accepts and applies the next requests, and the loop's done
 * callback runs when that sync has returned. At most one sync runs at a time.
 */
#ifndef LOCKYARD_SYNCER_H
#define LOCKYARD_SYNCER_H

#include <event2/event.h>

#include "lockyard/store.h"

struct syncer;

/** done(arg, failed) runs in the loop after each sync. NULL on failure (no thread, no pipe). */
struct syncer *syncer_new(struct event_base *base, struct store *s,
                          void (*done)(void *arg, int failed), void *arg);
/** Starts a sync of everything committed so far. @return 0, or -1 when one is running. */
int syncer_start(struct syncer *y);
/** 1 while a sync runs (until its done callback has been called). */
int syncer_busy(const struct syncer *y);
/** Waits for a running sync, stops the thread and frees. NULL is fine. */
void syncer_free(struct syncer *y);

#endif
