/*
 * check_order.c - lock ownership when the store's commit order is not known: a foreign store
 * has no journal, or the journal lost entries. The only order left is real time: a request
 * whose answer arrived before another request was sent committed before it. Every commit
 * order consistent with that is possible, so:
 *
 *  - a violation is reported only when it happens in every such order (proven);
 *  - a kind is "ok" only when it cannot happen in any such order;
 *  - anything else is `unknown`, with the reason, and never counted as a violation.
 *
 * Items are lock / unlock / force-unlock writes that were (or may have been: `maybe`) applied,
 * and applied protected writes. A `maybe` item may be placed anywhere in its interval, or be
 * absent; an item whose answer never came has ret = HIST_TIME_END.
 */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REALTIME_PAIRS_MAX 400000000ull

/* y changes who owns the lock: any lock, unlock or force-unlock. */
static int changer(const struct own_item *y)
{
    return y->role == ROLE_LOCK || y->role == ROLE_UNLOCK || y->role == ROLE_FORCE_UNLOCK;
}

/* y gives the lock to p or to nobody. */
static int to_p_or_nobody(const struct own_item *y, uint32_t p)
{
    return (y->role == ROLE_LOCK && y->process == p) || y->role == ROLE_UNLOCK ||
           y->role == ROLE_FORCE_UNLOCK;
}

/* Some changer other than a lock by p may be placed between a and w. */
static int may_intervene(const struct own_item *c, size_t n, const struct own_item *a,
                         const struct own_item *w, uint32_t p)
{
    for (size_t i = 0; i < n; i++) {
        const struct own_item *y = &c[i];
        if (y == a || y == w || !changer(y) || (y->role == ROLE_LOCK && y->process == p))
            continue;
        if (!(y->ret < a->call) && !(y->call > w->ret))
            return 1;
    }
    return 0;
}

/* 1 proven violation, 0 proven fine, -1 undecided. *why_ev: the items that prove it. */
static int resource_write(const struct own_item *c, size_t n, const struct own_item *w,
                          const struct own_item **x_out, const struct own_item **y_out)
{
    const struct own_item *x = NULL, *best = NULL;
    uint32_t p = w->process;
    for (size_t i = 0; i < n; i++) { /* the lock by p that can come latest before w */
        const struct own_item *l = &c[i];
        if (l->role == ROLE_LOCK && l->process == p && l->call < w->ret && (!x || l->ret > x->ret))
            x = l;
        if (l->role == ROLE_LOCK && l->process == p && !l->maybe && l->ret < w->call &&
            (!best || l->call > best->call))
            best = l;
    }
    *x_out = x;
    *y_out = NULL;
    if (!x)
        return 1; /* p never held the lock before w in any order */
    for (size_t i = 0; x->ret != HIST_TIME_END && i < n; i++) {
        const struct own_item *y = &c[i];
        if (changer(y) && !y->maybe && y->call > x->ret && y->ret < w->call) {
            *y_out = y; /* p's last lock, then y, then w: in every order */
            return 1;
        }
    }
    if (best && !may_intervene(c, n, best, w, p))
        return 0;
    return -1;
}

/* Foreign unlock: u by p while another process held the lock, in every order. */
static int unlock_write(const struct own_item *c, size_t n, const struct own_item *u,
                        const struct own_item **l_out)
{
    const struct own_item *l = NULL, *reset = NULL;
    uint32_t p = u->process;
    for (size_t i = 0; i < n; i++) {
        const struct own_item *y = &c[i];
        if (y == u || y->maybe || y->ret >= u->call)
            continue;
        if (y->role == ROLE_LOCK && y->process != p && (!l || y->call > l->call))
            l = y;
        if (to_p_or_nobody(y, p) && (!reset || y->call > reset->call))
            reset = y;
    }
    *l_out = l;
    int proven = l && !u->maybe, absent = 1;
    for (size_t i = 0; i < n; i++) {
        const struct own_item *y = &c[i];
        if (y == u || !changer(y) || y->call > u->ret)
            continue;
        if (l && to_p_or_nobody(y, p) && y->ret >= l->call)
            proven = 0; /* p's lock or an unlock may come between l and u */
        if (y->role == ROLE_LOCK && y->process != p && (!reset || y->ret >= reset->call))
            absent = 0; /* another's lock may be the last before u */
    }
    return proven ? 1 : absent ? 0 : -1;
}

/* Orphan: the last change of all is a lock, in every order. */
static int end_state(const struct own_item *c, size_t n, const struct own_item **l_out)
{
    *l_out = NULL;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const struct own_item *l = &c[i];
        if (!changer(l))
            continue;
        any = 1;
        int last = l->role == ROLE_LOCK && !l->maybe, released = l->role != ROLE_LOCK && !l->maybe;
        for (size_t j = 0; j < n && (last || released); j++) {
            const struct own_item *y = &c[j];
            if (y == l || !changer(y) || y->ret < l->call)
                continue;
            last = 0;
            if (y->role == ROLE_LOCK)
                released = 0;
        }
        if (last) {
            *l_out = l;
            return 1;
        }
        if (released)
            return 0;
    }
    return any ? -1 : 0;
}

static size_t count_roles(const struct own_item *c, size_t n, int role)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += c[i].role == role;
    return k;
}

static int resource_pass(const struct history *h, const struct own_item *c, size_t n,
                         struct check_result *r, size_t *undecided)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct own_item *w = &c[i], *x, *y;
        if (w->role != ROLE_RESOURCE)
            continue;
        int v = resource_write(c, n, w, &x, &y);
        const struct hev *d = &h->ev[w->ev];
        if (v < 0)
            (*undecided)++;
        if (v <= 0)
            continue;
        uint32_t evs[3];
        size_t ne = 0;
        if (x)
            evs[ne++] = x->ev;
        if (y)
            evs[ne++] = y->ev;
        evs[ne++] = w->ev;
        rc = check_add(r, V_MUTEX_EFFECTIVE, d->time_us, evs, ne,
                       "%s committed %s to %s without holding the lock in any commit order "
                       "consistent with real time%s%s%s",
                       history_str(h, d->process), d->f, history_str(h, d->key),
                       y    ? " ("
                       : !x ? " (it never took the lock before)"
                            : "",
                       y ? history_str(h, h->ev[y->ev].process) : "",
                       y ? "'s lock write came in between)" : "");
    }
    return rc;
}

static int unlock_pass(const struct history *h, const struct own_item *c, size_t n,
                       struct check_result *r, size_t *undecided)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct own_item *u = &c[i], *l;
        if (u->role != ROLE_UNLOCK)
            continue;
        int v = unlock_write(c, n, u, &l);
        if (v < 0)
            (*undecided)++;
        if (v <= 0)
            continue;
        uint32_t evs[2] = {l->ev, u->ev};
        const struct hev *d = &h->ev[u->ev];
        rc = check_add(r, V_FOREIGN_UNLOCK, d->time_us, evs, 2,
                       "%s released a lock owned by %s (in every commit order consistent with "
                       "real time)",
                       history_str(h, d->process), history_str(h, l->process));
    }
    return rc;
}

int check_ownership_realtime(const struct history *h, struct own_item *c, size_t n, int orphan,
                             const char *why, struct check_result *r)
{
    size_t writes = count_roles(c, n, ROLE_RESOURCE) + count_roles(c, n, ROLE_UNLOCK);
    if ((unsigned long long)writes * n > REALTIME_PAIRS_MAX) {
        for (int k = V_MUTEX_EFFECTIVE; k <= V_ORPHAN_LOCK; k++)
            if (k != V_LOST_UPDATE && k != V_DUPLICATE_UPDATE)
                check_unknown(r, k, "%s, and %zu writes are too many to order by real time", why,
                              n);
        return 0;
    }
    size_t und_res = 0, und_unlock = 0;
    int rc = resource_pass(h, c, n, r, &und_res);
    if (!rc)
        rc = unlock_pass(h, c, n, r, &und_unlock);
    if (!rc && und_res && !(r->found >> V_MUTEX_EFFECTIVE & 1))
        check_unknown(r, V_MUTEX_EFFECTIVE,
                      "%s: real time alone cannot tell who held the lock "
                      "at %zu protected writes",
                      why, und_res);
    if (!rc && und_unlock && !(r->found >> V_FOREIGN_UNLOCK & 1))
        check_unknown(r, V_FOREIGN_UNLOCK,
                      "%s: real time alone cannot tell who held the lock "
                      "at %zu unlocks",
                      why, und_unlock);
    const struct own_item *l = NULL;
    int end = orphan && !rc ? end_state(c, n, &l) : 0;
    if (end > 0) {
        uint32_t ev = l->ev;
        rc = check_add(r, V_ORPHAN_LOCK, h->n ? h->ev[h->n - 1].time_us : 0, &ev, 1,
                       "the lock is still held by %s when every client has stopped",
                       history_str(h, l->process));
    } else if (end < 0) {
        check_unknown(r, V_ORPHAN_LOCK,
                      "%s: real time alone cannot tell whether the last lock "
                      "write was a release",
                      why);
    }
    return rc;
}
