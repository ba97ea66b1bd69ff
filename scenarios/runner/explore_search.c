/*
 * explore_search.c - stateless depth-first search over schedules with sleep
 * sets (Godefroid): after the subtree of transition t at a choice point is
 * explored, t sleeps in the later branches there until a transition that does
 * not commute with it runs, because every schedule that starts with it there
 * has an equivalent one (same conflicting pairs in the same order) already
 * explored. A preemption bound breaks that argument (the equivalent schedule
 * may need more preemptions), so t only goes to sleep when its subtree was
 * not cut by the bound. Every schedule runs from a fresh store.
 */
#include "explore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockyard/checksum.h"

struct xnode {
    struct xopt *opts;
    size_t n;
    uint8_t *done, *complete, *asleep;
    int cur;       /* option being explored, -1 = blocked */
    int pre;       /* preemptions before this point */
    int cut_here;  /* an option was left out by the preemption bound */
    int cut_below; /* the current option's subtree was cut */
};

struct xdfs {
    struct xnode *nodes;
    size_t len, cap, pos;
    int bound; /* K */
    int timed;
    int64_t pruned; /* transitions skipped because they sleep */
    int diverged;
};

static void node_free(struct xnode *n)
{
    free(n->opts);
    free(n->done);
    free(n->complete);
    free(n->asleep);
}

static void dfs_free(struct xdfs *d)
{
    for (size_t i = 0; i < d->len; i++)
        node_free(&d->nodes[i]);
    free(d->nodes);
}

static int same_id(const struct xopt *a, const struct xopt *b)
{
    return a->client == b->client && a->fault == b->fault && !a->wake == !b->wake;
}

/* Sleep set of a new node: the parent's sleeping and completed siblings that commute. */
static void inherit_sleep(const struct xdfs *d, struct xnode *child)
{
    if (d->len == 0)
        return;
    const struct xnode *p = &d->nodes[d->len - 1];
    const struct xopt *t = &p->opts[p->cur];
    for (size_t v = 0; v < p->n; v++) {
        if ((int)v == p->cur || !(p->asleep[v] || (p->done[v] && p->complete[v])))
            continue;
        if (xopt_dependent(&p->opts[v], t, d->timed))
            continue;
        for (size_t u = 0; u < child->n; u++)
            if (same_id(&child->opts[u], &p->opts[v]))
                child->asleep[u] = 1;
    }
}

/* The next option of a node to explore. @return index or -1 */
static int pick(struct xdfs *d, struct xnode *n)
{
    for (size_t i = 0; i < n->n; i++) {
        if (n->done[i] || (int)i == n->cur)
            continue;
        if (n->asleep[i]) {
            continue;
        }
        if (n->pre + n->opts[i].cost > d->bound) {
            n->cut_here = 1;
            continue;
        }
        return (int)i;
    }
    return -1;
}

static int count_sleeping(const struct xnode *n)
{
    int k = 0;
    for (size_t i = 0; i < n->n; i++)
        k += n->asleep[i] && !n->done[i];
    return k;
}

/* A choice point of the current run. @return index, -1 blocked, -2 diverged, -3 no memory */
static int dfs_choose(struct xdfs *d, int preemptions, const struct xopt *opts, size_t n)
{
    if (d->pos < d->len) { /* replaying the prefix */
        struct xnode *nd = &d->nodes[d->pos++];
        if (nd->n != n || nd->cur < 0 || !same_id(&nd->opts[nd->cur], &opts[nd->cur])) {
            d->diverged = 1;
            return -2;
        }
        return nd->cur;
    }
    if (d->len == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        struct xnode *p = realloc(d->nodes, cap * sizeof *p);
        if (!p)
            return -3;
        d->nodes = p;
        d->cap = cap;
    }
    struct xnode *nd = &d->nodes[d->len];
    memset(nd, 0, sizeof *nd);
    nd->opts = malloc(n * sizeof *opts);
    nd->done = calloc(n, 1);
    nd->complete = calloc(n, 1);
    nd->asleep = calloc(n, 1);
    if (!nd->opts || !nd->done || !nd->complete || !nd->asleep) {
        node_free(nd);
        return -3;
    }
    memcpy(nd->opts, opts, n * sizeof *opts);
    nd->n = n;
    nd->pre = preemptions;
    nd->cur = -1;
    inherit_sleep(d, nd);
    d->pruned += count_sleeping(nd);
    nd->cur = pick(d, nd);
    d->len++;
    d->pos++;
    return nd->cur;
}

/* After a run: the deepest choice point with an option left. @return 1 more, 0 finished */
static int dfs_next(struct xdfs *d)
{
    d->pos = 0;
    while (d->len > 0) {
        struct xnode *n = &d->nodes[d->len - 1];
        if (n->cur >= 0) {
            n->done[n->cur] = 1;
            n->complete[n->cur] = !n->cut_below;
        }
        n->cut_below = 0;
        int next = pick(d, n);
        if (next >= 0) {
            n->cur = next;
            return 1;
        }
        int cut = n->cut_here;
        for (size_t i = 0; i < n->n; i++)
            cut |= n->done[i] && !n->complete[i];
        node_free(n);
        d->len--;
        if (d->len > 0)
            d->nodes[d->len - 1].cut_below |= cut;
    }
    return 0;
}

/* ---- the reduction on an abstract model (unit tests) ---- */

struct mstate {
    const struct xmodel *m;
    size_t *pc;
    int last, pre;
    int order[256];
    size_t len;
};

static size_t model_opts(const struct mstate *s, struct xopt *o)
{
    size_t n = 0;
    for (size_t i = 0; i < s->m->nclients; i++) {
        if (s->pc[i] >= s->m->nsteps[i])
            continue;
        o[n] = s->m->steps[i][s->pc[i]];
        o[n].client = (int)i;
        o[n].cost = s->last >= 0 && s->last != (int)i && s->pc[s->last] < s->m->nsteps[s->last];
        n++;
    }
    return n;
}

int explore_model(const struct xmodel *m, int preemptions, int64_t *schedules, int64_t *blocked)
{
    struct xdfs d;
    struct xopt o[64];
    struct mstate s = {m, calloc(m->nclients + 1, sizeof(size_t)), -1, 0, {0}, 0};
    memset(&d, 0, sizeof d);
    d.bound = preemptions;
    *schedules = *blocked = 0;
    int rc = s.pc ? 0 : LY_ENOMEM, more = 1;
    while (!rc && more) {
        memset(s.pc, 0, m->nclients * sizeof *s.pc);
        s.last = -1;
        s.pre = 0;
        s.len = 0;
        size_t n;
        int i = 0;
        while (i >= 0 && (n = model_opts(&s, o)) > 0) {
            i = dfs_choose(&d, s.pre, o, n);
            if (i >= 0) {
                s.pre += o[i].cost;
                s.last = o[i].client;
                s.pc[o[i].client]++;
                if (s.len < sizeof s.order / sizeof s.order[0])
                    s.order[s.len++] = o[i].client;
            }
        }
        if (i >= 0 && m->on_schedule)
            m->on_schedule(m->arg, s.order, s.len);
        if (i == -3)
            rc = LY_ENOMEM;
        *(i == -1 ? blocked : schedules) += 1;
        more = dfs_next(&d);
    }
    free(s.pc);
    dfs_free(&d);
    return rc;
}

/* ---- the search over real runs ---- */

static int run_choose(void *arg, const struct xrun *xr, struct xopt *opts, size_t n)
{
    int i = dfs_choose(arg, xrun_preemptions(xr), opts, n);
    return i == -3 ? -2 : i;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct seen {
    char (*md5)[CKSUM_MD5_HEX_SIZE];
    size_t n, cap;
};

static int seen_add(struct seen *s, const char *text)
{
    char h[CKSUM_MD5_HEX_SIZE];
    if (cksum_md5_hex(text, strlen(text), h))
        return LY_ENOMEM;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->md5[i], h))
            return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        void *p = realloc(s->md5, cap * sizeof *s->md5);
        if (!p)
            return LY_ENOMEM;
        s->md5 = p;
        s->cap = cap;
    }
    memcpy(s->md5[s->n++], h, CKSUM_MD5_HEX_SIZE);
    return 0;
}

/* Is o a better schedule to show than best? Unexpected violations first, then shorter. */
static int better(const struct xoutcome *o, const struct xoutcome *best, uint32_t want)
{
    if (!o->found)
        return 0;
    if (!best->choices)
        return 1;
    int ou = (o->found & ~want) != 0, bu = (best->found & ~want) != 0;
    if (ou != bu)
        return ou;
    if (o->requests != best->requests)
        return o->requests < best->requests;
    return __builtin_popcount(o->found) > __builtin_popcount(best->found);
}

static void account(struct xsearch_stats *st, struct xoutcome *o, uint32_t want)
{
    st->schedules++;
    st->truncated += o->truncated;
    st->found |= o->found;
    for (int k = 0; k < V_KINDS; k++)
        st->found_in[k] += (o->found >> k) & 1;
    if (better(o, &st->best, want)) {
        xoutcome_cleanup(&st->best);
        st->best = *o;
        memset(o, 0, sizeof *o);
    }
}

int explore_search(const struct xconfig *x, const struct xsearch_opts *o, uint32_t want,
                   struct xsearch_stats *st)
{
    struct xdfs d;
    struct seen seen = {NULL, 0, 0};
    double t0 = now_s();
    int rc = 0, more = 1;
    memset(&d, 0, sizeof d);
    memset(st, 0, sizeof *st);
    d.bound = o->preemptions;
    d.timed = x->timed;
    while (!rc && more) {
        if ((o->max_schedules && st->schedules >= o->max_schedules) ||
            (o->seconds && now_s() - t0 >= (double)o->seconds))
            break;
        struct xoutcome out;
        rc = explore_one(x, run_choose, &d, &out);
        if (!rc && out.pruned)
            st->blocked++;
        else if (!rc && out.error) {
            st->errors++;
            if (!st->first_error[0])
                snprintf(st->first_error, sizeof st->first_error, "%.256s (schedule: %.700s)",
                         out.msg, out.choices ? out.choices : "");
        } else if (!rc) {
            rc = seen_add(&seen, out.transcript ? out.transcript : "");
            account(st, &out, want);
        }
        xoutcome_cleanup(&out);
        if (d.diverged) {
            snprintf(st->first_error, sizeof st->first_error,
                     "a schedule did not repeat: the run is not deterministic");
            st->errors++;
            break;
        }
        more = dfs_next(&d);
    }
    st->exhaustive = !rc && !more && !d.diverged;
    st->pruned = d.pruned;
    st->distinct = (int64_t)seen.n;
    st->seconds = now_s() - t0;
    free(seen.md5);
    dfs_free(&d);
    return rc;
}

void xsearch_stats_cleanup(struct xsearch_stats *st)
{
    xoutcome_cleanup(&st->best);
}
