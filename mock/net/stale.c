/*
 * stale.c - the snapshots stale_read fault rules read from (moved out of pipeline.c): kept
 * every few ms while such rules exist, as far back as the longest of them looks.
 */
#include "net_internal.h"

#include <string.h>

/* Keeps snapshots every few ms while stale_read rules exist, as far back as they look. */
void net_stale_maintain(struct server *srv, int after_write)
{
    int64_t horizon = 0, now = net_now_ms(srv);
    for (size_t i = 0; i < srv->nrules; i++)
        if (srv->rules[i].action == FAULT_STALE_READ && srv->rules[i].ms > horizon)
            horizon = srv->rules[i].ms;
    int64_t step = horizon / 32 > 5 ? horizon / 32 : 5;
    while (srv->nsnaps &&
           (horizon == 0 || (srv->nsnaps >= 2 && srv->snaps[1].at_ms <= now - horizon))) {
        store_snapshot_free(srv->store, srv->snaps[0].snap);
        memmove(&srv->snaps[0], &srv->snaps[1], --srv->nsnaps * sizeof srv->snaps[0]);
    }
    /* A write changes the state: always snapshot after one; otherwise every `step` ms. */
    if (horizon == 0 ||
        (!after_write && srv->nsnaps && srv->snaps[srv->nsnaps - 1].at_ms > now - step))
        return;
    if (srv->nsnaps == NET_SNAPSHOTS_MAX) {
        store_snapshot_free(srv->store, srv->snaps[0].snap);
        memmove(&srv->snaps[0], &srv->snaps[1], --srv->nsnaps * sizeof srv->snaps[0]);
    }
    if (store_snapshot_take(srv->store, &srv->snaps[srv->nsnaps].snap) == 0)
        srv->snaps[srv->nsnaps++].at_ms = now;
}
