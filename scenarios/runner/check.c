/*
 * check.c - the checker driver, the result list, and the linear-time
 * checkers: list and counter workloads, liveness, statistics.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[V_KINDS] = {
    "mutex_believed", "mutex_effective", "lost_update", "duplicate_update",
    "foreign_unlock", "orphan_lock",     "liveness",    "nonlinearizable"};

const char *violation_name(int kind)
{
    return kind >= 0 && kind < V_KINDS ? kind_names[kind] : "?";
}

int violation_parse(const char *name)
{
    for (int k = 0; k < V_KINDS; k++)
        if (!strcmp(name, kind_names[k]))
            return k;
    return -1;
}

void check_opts_defaults(struct check_opts *o)
{
    o->model = "s3";
    o->orphan_lock = 1;
    o->wgl_memory_bytes = 0;
}

void check_result_init(struct check_result *r)
{
    memset(r, 0, sizeof *r);
    r->stats.recovery_us = -1;
}

void check_result_cleanup(struct check_result *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

void check_unknown(struct check_result *r, int kind, const char *fmt, ...)
{
    if (r->unknown >> kind & 1)
        return;
    r->unknown |= 1u << kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why[kind], sizeof r->why[kind], fmt, ap);
    va_end(ap);
}

const char *check_verdict(const struct check_result *r, uint32_t expect)
{
    uint32_t undecided = r->unknown & ~r->found;
    if (r->found & ~expect)
        return "mismatch"; /* a violation that was not expected, proven */
    if (expect & ~r->found & ~undecided)
        return "mismatch"; /* an expected violation that was checked and is not there */
    return undecided ? "unknown" : "ok";
}

int check_add(struct check_result *r, int kind, int64_t time_us, const uint32_t *events,
              size_t nevents, const char *fmt, ...)
{
    r->found |= 1u << kind;
    if (r->per_kind[kind]++ >= VIOLATIONS_PER_KIND_MAX)
        return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct violation *p = realloc(r->v, cap * sizeof *p);
        if (!p)
            return LY_ENOMEM;
        r->v = p;
        r->cap = cap;
    }
    struct violation *v = &r->v[r->n++];
    memset(v, 0, sizeof *v);
    v->kind = kind;
    v->time_us = time_us;
    v->nevents = nevents < VIOLATION_EVENTS_MAX ? nevents : VIOLATION_EVENTS_MAX;
    memcpy(v->events, events, v->nevents * sizeof *events);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->msg, sizeof v->msg, fmt, ap);
    va_end(ap);
    return 0;
}

static int list_has(const struct hev *read, int64_t x, size_t *count)
{
    *count = 0;
    for (size_t i = 0; i < read->list_len; i++)
        *count += read->list[i] == x;
    return *count > 0;
}

static int check_list_key(const struct history *h, uint32_t key, uint32_t final,
                          struct check_result *r)
{
    const struct hev *fr = &h->ev[final];
    int rc = 0;
    size_t cnt;
    for (size_t i = 0; i < h->n && !rc; i++) {
        const struct hev *e = &h->ev[i];
        if (e->type != HEV_INVOKE || e->key != key || strcmp(e->f, "append") ||
            e->pair == UINT32_MAX || h->ev[e->pair].type != HEV_OK)
            continue;
        uint32_t evs[2] = {e->pair, final};
        if (!list_has(fr, e->val, &cnt))
            rc = check_add(r, V_LOST_UPDATE, h->ev[e->pair].time_us, evs, 2,
                           "%s's acknowledged append %s is missing from the final %s",
                           history_str(h, e->process), history_str(h, (uint32_t)e->val),
                           history_str(h, key));
    }
    for (size_t i = 0; i < fr->list_len && !rc; i++) {
        size_t first = 0;
        while (fr->list[first] != fr->list[i])
            first++;
        if (first == i && list_has(fr, fr->list[i], &cnt) && cnt > 1) {
            uint32_t ev = final;
            rc = check_add(r, V_DUPLICATE_UPDATE, fr->time_us, &ev, 1,
                           "%s appears %zu times in the final %s",
                           history_str(h, (uint32_t)fr->list[i]), cnt, history_str(h, key));
        }
    }
    return rc;
}

static int check_counter_key(const struct history *h, uint32_t key, uint32_t final,
                             struct check_result *r)
{
    long long okc = 0, unknown = 0;
    for (size_t i = 0; i < h->n; i++) {
        const struct hev *e = &h->ev[i];
        if (e->type != HEV_INVOKE || e->key != key || strcmp(e->f, "incr") || e->pair == UINT32_MAX)
            continue;
        okc += h->ev[e->pair].type == HEV_OK;
        unknown += h->ev[e->pair].type == HEV_INFO;
    }
    long long v = strtoll(history_str(h, (uint32_t)h->ev[final].val), NULL, 10);
    uint32_t ev = final;
    if (v < okc)
        return check_add(r, V_LOST_UPDATE, h->ev[final].time_us, &ev, 1,
                         "counter %s is %lld after %lld acknowledged increments",
                         history_str(h, key), v, okc);
    if (v > okc + unknown)
        return check_add(r, V_DUPLICATE_UPDATE, h->ev[final].time_us, &ev, 1,
                         "counter %s is %lld after at most %lld increments", history_str(h, key), v,
                         okc + unknown);
    return 0;
}

int check_lists(const struct history *h, struct check_result *r)
{
    int rc = 0;
    for (size_t i = h->n; i-- > 0 && !rc;) {
        const struct hev *e = &h->ev[i];
        if (e->type != HEV_OK || strcmp(e->f, "read") || !e->val_known)
            continue;
        int later = 0; /* only the last read of a key is final */
        for (size_t j = i + 1; j < h->n && !later; j++)
            later = h->ev[j].type == HEV_OK && !strcmp(h->ev[j].f, "read") &&
                    h->ev[j].key == e->key;
        if (later)
            continue;
        rc = e->list ? check_list_key(h, e->key, (uint32_t)i, r)
                     : check_counter_key(h, e->key, (uint32_t)i, r);
    }
    return rc;
}

static int liveness_crashes(const struct history *h, const uint32_t *inside_at_crash, size_t ncrash,
                            struct check_result *r)
{
    for (size_t c = 0; c < ncrash; c++) {
        const struct hev *cr = &h->ev[inside_at_crash[c]];
        int64_t next = -1;
        for (size_t j = inside_at_crash[c] + 1; j < h->n && next < 0; j++)
            if (!strcmp(h->ev[j].f, "cs_enter"))
                next = h->ev[j].time_us;
        if (next >= 0) {
            if (r->stats.recovery_us < next - cr->time_us)
                r->stats.recovery_us = next - cr->time_us;
            continue;
        }
        uint32_t ev = inside_at_crash[c];
        int rc = check_add(r, V_LIVENESS, cr->time_us, &ev, 1,
                           "%s crashed holding the lock and nobody acquired it afterwards",
                           history_str(h, cr->process));
        if (rc)
            return rc;
    }
    return 0;
}

int check_liveness(const struct history *h, struct check_result *r)
{
    size_t nproc = h->nstrs + 1, ncrash = 0;
    int64_t *since = malloc(nproc * sizeof *since);
    uint8_t *inside = calloc(nproc, 1), *entered = calloc(nproc, 1), *active = calloc(nproc, 1);
    uint32_t *crashes = malloc((h->n + 1) * sizeof *crashes);
    int rc = since && inside && entered && active && crashes ? 0 : LY_ENOMEM;
    for (size_t p = 0; !rc && p < nproc; p++)
        since[p] = -1;
    for (size_t i = 0; i < h->n && !rc; i++) {
        const struct hev *e = &h->ev[i];
        uint32_t p = e->process, ev = (uint32_t)i;
        if (since[p] < 0)
            since[p] = e->time_us;
        if (!hev_is_marker(e))
            active[p] = 1;
        if (!strcmp(e->f, "cs_enter")) {
            if (e->time_us - since[p] > r->stats.wait_max_us)
                r->stats.wait_max_us = e->time_us - since[p];
            inside[p] = entered[p] = 1;
            r->stats.cs_count++;
        } else if (!strcmp(e->f, "cs_exit")) {
            inside[p] = 0;
            since[p] = e->time_us;
        } else if (!strcmp(e->f, "crash") && inside[p]) {
            crashes[ncrash++] = (uint32_t)i;
        } else if (!strcmp(e->f, "give_up")) {
            rc = check_add(r, V_LIVENESS, e->time_us, &ev, 1, "%s gave up waiting for the lock",
                           history_str(h, p));
        }
    }
    if (!rc)
        rc = liveness_crashes(h, crashes, ncrash, r);
    for (size_t p = 0; p < nproc && r->stats.cs_count; p++)
        r->stats.starved += active[p] && !entered[p] &&
                            strcmp(history_str(h, (uint32_t)p), "final");
    free(since);
    free(inside);
    free(entered);
    free(active);
    free(crashes);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int check_stats(const struct history *h, struct check_result *r)
{
    int64_t *lat = malloc((h->n + 1) * sizeof *lat);
    size_t n = 0;
    if (!lat)
        return LY_ENOMEM;
    for (size_t i = 0; i < h->n; i++) {
        const struct hev *e = &h->ev[i];
        if (hev_is_marker(e) || e->type == HEV_INVOKE || e->pair == UINT32_MAX)
            continue;
        r->stats.ops++;
        r->stats.ok += e->type == HEV_OK;
        r->stats.fail += e->type == HEV_FAIL;
        r->stats.info += e->type == HEV_INFO;
        if (e->type != HEV_INFO && (strstr(e->f, "Object") || strstr(e->f, "Item")))
            lat[n++] = e->time_us - h->ev[e->pair].time_us;
    }
    qsort(lat, n, sizeof *lat, cmp_i64);
    if (n) {
        r->stats.lat_p50_us = lat[n / 2];
        r->stats.lat_p90_us = lat[n * 9 / 10];
        r->stats.lat_p99_us = lat[n * 99 / 100];
        r->stats.lat_max_us = lat[n - 1];
    }
    uint8_t *seen = (uint8_t *)lat; /* reuse: one byte per string id */
    memset(seen, 0, h->nstrs + 1 < (h->n + 1) * 8 ? h->nstrs + 1 : 0);
    for (size_t i = 0; i < h->n && h->nstrs + 1 < (h->n + 1) * 8; i++)
        if (!seen[h->ev[i].process]) {
            seen[h->ev[i].process] = 1;
            r->stats.processes++;
        }
    free(lat);
    return 0;
}

int check_all(const struct history *h, const struct check_opts *o, struct check_result *r)
{
    int rc = check_mutex_believed(h, r);
    if (!rc)
        rc = check_ownership(h, o->orphan_lock, r);
    if (!rc)
        rc = check_lists(h, r);
    if (!rc)
        rc = check_liveness(h, r);
    if (!rc)
        rc = check_stats(h, r);
    if (!rc && o->model && strcmp(o->model, "none"))
        rc = check_linearizable(h, o->model, o->wgl_memory_bytes, r);
    if (!rc)
        check_number_ops(h, r);
    return rc;
}
