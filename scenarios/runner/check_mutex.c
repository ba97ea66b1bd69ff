/*
 * check_mutex.c - mutual exclusion, believed (overlapping critical sections
 * as the clients saw them) and effective (replaying who owned the lock when
 * each protected write was committed), foreign unlocks and orphan locks.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

int check_mutex_believed(const struct history *h, struct check_result *r)
{
    size_t nproc = h->nstrs + 1;
    uint32_t *inside = malloc(nproc * sizeof *inside); /* cs_enter index or UINT32_MAX */
    if (!inside)
        return LY_ENOMEM;
    for (size_t i = 0; i < nproc; i++)
        inside[i] = UINT32_MAX;
    int rc = 0;
    for (size_t i = 0; i < h->n && !rc; i++) {
        const struct hev *e = &h->ev[i];
        if (!strcmp(e->f, "cs_exit") || !strcmp(e->f, "crash")) {
            inside[e->process] = UINT32_MAX;
            continue;
        }
        if (strcmp(e->f, "cs_enter"))
            continue;
        for (size_t p = 0; p < nproc && !rc; p++) {
            if (p == e->process || inside[p] == UINT32_MAX)
                continue;
            uint32_t evs[2] = {inside[p], (uint32_t)i};
            rc = check_add(r, V_MUTEX_BELIEVED, e->time_us, evs, 2,
                           "%s entered the critical section while %s was inside",
                           history_str(h, e->process), history_str(h, (uint32_t)p));
        }
        inside[e->process] = (uint32_t)i;
    }
    free(inside);
    return rc;
}

/* A completion of a lock/unlock/resource write that took effect. */
static int applied(const struct hev *d)
{
    if (d->applied >= 0)
        return d->applied;
    return d->type == HEV_OK;
}

static int is_write(const struct hev *e)
{
    return strcmp(e->f, "GetObject") && strcmp(e->f, "HeadObject") && strcmp(e->f, "GetItem") &&
           strcmp(e->f, "read");
}

struct commit {
    int64_t order;
    uint32_t ev; /* completion index */
};

static int cmp_commit(const void *a, const void *b)
{
    const struct commit *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->ev < y->ev ? -1 : x->ev > y->ev;
}

/* Applied writes of interest, in commit order (journal seq when every one has it). */
static int collect_commits(const struct history *h, struct commit **out, size_t *n_out)
{
    struct commit *c = malloc((h->n + 1) * sizeof *c);
    size_t n = 0;
    int all_seq = 1;
    if (!c)
        return LY_ENOMEM;
    for (size_t i = 0; i < h->n; i++) {
        const struct hev *d = &h->ev[i];
        if (d->type == HEV_INVOKE || hev_is_marker(d) || d->pair == UINT32_MAX)
            continue;
        if (d->role == ROLE_NONE || d->role == ROLE_READ || !is_write(d) || !applied(d))
            continue;
        if (d->type == HEV_INFO && d->applied < 0 && d->role == ROLE_RESOURCE)
            continue; /* unknown resource write: cannot blame anyone */
        all_seq &= d->seq >= 0;
        c[n++] = (struct commit){d->seq, (uint32_t)i};
    }
    for (size_t i = 0; !all_seq && i < n; i++) {
        const struct hev *d = &h->ev[c[i].ev];
        /* an unknown outcome takes effect at the latest when it was seen to end */
        c[i].order = d->time_us;
    }
    qsort(c, n, sizeof *c, cmp_commit);
    *out = c;
    *n_out = n;
    return 0;
}

int check_ownership(const struct history *h, int orphan, struct check_result *r)
{
    struct commit *c = NULL;
    size_t n = 0;
    int rc = collect_commits(h, &c, &n);
    uint32_t owner = 0, owner_ev = UINT32_MAX;
    for (size_t i = 0; !rc && i < n; i++) {
        const struct hev *d = &h->ev[c[i].ev];
        uint32_t evs[2] = {owner_ev, c[i].ev};
        switch (d->role) {
        case ROLE_LOCK:
            owner = d->process;
            owner_ev = c[i].ev;
            break;
        case ROLE_UNLOCK:
            if (owner && owner != d->process)
                rc = check_add(r, V_FOREIGN_UNLOCK, d->time_us, evs, 2,
                               "%s released a lock owned by %s", history_str(h, d->process),
                               history_str(h, owner));
            owner = 0;
            owner_ev = c[i].ev;
            break;
        case ROLE_FORCE_UNLOCK:
            owner = 0;
            owner_ev = c[i].ev;
            break;
        case ROLE_RESOURCE:
            if (owner_ev == UINT32_MAX)
                evs[0] = c[i].ev;
            if (owner != d->process)
                rc = check_add(r, V_MUTEX_EFFECTIVE, d->time_us, evs, owner_ev == UINT32_MAX ? 1 : 2,
                               "%s committed %s to %s while %s owned the lock",
                               history_str(h, d->process), d->f, history_str(h, d->key),
                               owner ? history_str(h, owner) : "nobody");
            break;
        default:
            break;
        }
    }
    if (!rc && orphan && owner) {
        uint32_t ev = owner_ev;
        rc = check_add(r, V_ORPHAN_LOCK, h->n ? h->ev[h->n - 1].time_us : 0, &ev, 1,
                       "the lock is still held by %s when every client has stopped",
                       history_str(h, owner));
    }
    free(c);
    return rc;
}
