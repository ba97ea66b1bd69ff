/*
 * clock.c - the server clock: the wall clock plus an offset the admin API sets or moves
 * (POST /_lockyard/clock). Every timestamp lockyard gives (Last-Modified, TTL expiry, presigned
 * expiry, the journal) reads net_now_ms.
 */
#include "net_internal.h"

#include <time.h>

int64_t net_now_ms(const struct server *srv)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + srv->clock_offset_ms;
}

/* Sets (or, relative, moves) *offset by v when the server clock stays within the dates AWS
 * formats can carry: four-digit years from the epoch on. No intermediate sum can overflow:
 * every operand is checked against bounds of about 2^48 first. @return 1 when applied */
static int offset_apply(const struct server *srv, int64_t v, int relative, int64_t *offset)
{
    const int64_t max_ms = 253402300799999LL; /* 9999-12-31T23:59:59.999Z */
    int64_t wall = net_now_ms(srv) - srv->clock_offset_ms;
    int64_t base = relative ? *offset : 0;
    if (v < -wall - base || v > max_ms - wall - base)
        return 0;
    *offset = base + v;
    return 1;
}

int net_clock_move(struct server *srv, const int64_t *set_ms, const int64_t *advance_ms)
{
    int64_t offset = srv->clock_offset_ms;
    if ((set_ms && !offset_apply(srv, *set_ms, 0, &offset)) ||
        (advance_ms && !offset_apply(srv, *advance_ms, 1, &offset)))
        return LY_ERANGE;
    srv->clock_offset_ms = offset;
    return 0;
}
