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

/* -1 unknown, 0 not applied, 1 applied. */
static int applied_state(const struct hev *d)
{
    if (d->applied >= 0)
        return d->applied;
    return d->type == HEV_OK ? 1 : d->type == HEV_FAIL ? 0 : -1;
}

/*
 * The lock/unlock/resource writes that may have taken effect. A resource write whose outcome
 * is unknown is left out (it cannot be blamed on anyone); a lock or unlock whose outcome is
 * unknown stays in as "maybe". *ordered: every item has a known outcome and a journal seq.
 */
static int collect(const struct history *h, struct own_item **out, size_t *n_out, int *ordered,
                   size_t *missing)
{
    struct own_item *c = malloc((h->n + 1) * sizeof *c);
    size_t n = 0;
    if (!c)
        return LY_ENOMEM;
    *ordered = 1;
    *missing = 0;
    for (size_t i = 0; i < h->n; i++) {
        const struct hev *d = &h->ev[i];
        if (d->type == HEV_INVOKE || hev_is_marker(d) || d->pair == UINT32_MAX)
            continue;
        if (d->role == ROLE_NONE || d->role == ROLE_READ || d->role == ROLE_HEARTBEAT ||
            hev_f_is_read(d->f))
            continue;
        int ap = applied_state(d);
        if (ap == 0 || (ap < 0 && d->role == ROLE_RESOURCE))
            continue;
        if (ap < 0 || d->seq < 0) {
            *ordered = 0;
            (*missing)++;
        }
        const struct hev *in = &h->ev[d->pair];
        /* It committed after it left the client and before the store's answer came back. */
        int64_t ret = d->done_us > 0        ? d->done_us
                      : d->type != HEV_INFO ? d->time_us
                                            : HIST_TIME_END;
        if (d->type != HEV_INFO && d->time_us < ret)
            ret = d->time_us;
        int64_t call = in->sent_us > in->time_us ? in->sent_us : in->time_us;
        c[n++] = (struct own_item){call,       ret, d->seq, d->process, d->role, (uint8_t)(ap < 0),
                                   (uint32_t)i};
    }
    *out = c;
    *n_out = n;
    return 0;
}

static int cmp_seq(const void *a, const void *b)
{
    const struct own_item *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Replays ownership in journal commit order (every item has a seq and a known outcome). */
static int replay(const struct history *h, struct own_item *c, size_t n, int orphan,
                  struct check_result *r)
{
    qsort(c, n, sizeof *c, cmp_seq);
    int rc = 0;
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
                rc = check_add(
                    r, V_MUTEX_EFFECTIVE, d->time_us, evs, owner_ev == UINT32_MAX ? 1 : 2,
                    "%s committed %s to %s while %s owned the lock", history_str(h, d->process),
                    d->f, history_str(h, d->key), owner ? history_str(h, owner) : "nobody");
            break;
        default: break;
        }
    }
    if (!rc && orphan && owner) {
        uint32_t ev = owner_ev;
        rc = check_add(r, V_ORPHAN_LOCK, h->n ? h->ev[h->n - 1].time_us : 0, &ev, 1,
                       "the lock is still held by %s when every client has stopped",
                       history_str(h, owner));
    }
    return rc;
}

int check_ownership(const struct history *h, int orphan, struct check_result *r)
{
    struct own_item *c = NULL;
    size_t n = 0, missing = 0;
    int ordered = 0;
    int rc = collect(h, &c, &n, &ordered, &missing);
    if (rc)
        return rc;
    if (ordered) {
        r->order = n ? ORDER_JOURNAL : r->order;
        rc = replay(h, c, n, orphan, r);
    } else {
        char why[160];
        snprintf(why, sizeof why,
                 "the commit order of %zu of %zu lock and protected writes is "
                 "unknown (no journal entry)",
                 missing, n);
        r->order = ORDER_REALTIME;
        rc = check_ownership_realtime(h, c, n, orphan, why, r);
    }
    free(c);
    return rc;
}
