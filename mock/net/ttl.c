/*
 * ttl.c - the DynamoDB TTL sweep: a libevent timer that asks the store to delete
 * items whose TTL attribute is in the past by the server clock (net_now_ms, so
 * the admin clock moves expiry too). Until a sweep runs, expired items stay
 * readable, as on AWS.
 */
#include "net_internal.h"
#include "lockyard/store_ddb.h"

#include <stdio.h>

#define TTL_SWEEP_MS 1000
#define TTL_SWEEP_ITEMS_MAX 1000 /* per tick: one write transaction stays short */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct server *srv = arg;
    size_t deleted = 0;
    int rc = store_ddb_ttl_sweep(srv->store, net_now_ms(srv) / 1000, TTL_SWEEP_ITEMS_MAX, &deleted);
    if (rc && srv->opts.log_level >= 0)
        fprintf(stderr, "lockyard: TTL sweep failed: %s\n", ly_err_str(rc));
    else if (deleted && srv->opts.log_level >= 2)
        fprintf(stderr, "lockyard: TTL sweep deleted %zu item(s)\n", deleted);
}

int net_ttl_start(struct server *srv)
{
    struct timeval tv = {TTL_SWEEP_MS / 1000, (TTL_SWEEP_MS % 1000) * 1000};
    srv->ttl_timer = event_new(srv->base, -1, EV_PERSIST, on_tick, srv);
    if (!srv->ttl_timer || event_add(srv->ttl_timer, &tv) != 0)
        return -1;
    return 0;
}

void net_ttl_stop(struct server *srv)
{
    if (srv->ttl_timer)
        event_free(srv->ttl_timer);
    srv->ttl_timer = NULL;
}
