/*
 * history.c - the history container: string interning, events, pairing of
 * invokes with completions, and JSON-lines output and input.
 */
#include "history.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {"invoke", "ok", "fail", "info"};
static const char *const role_names[] = {"",          "lock",     "unlock", "force_unlock",
                                         "heartbeat", "resource", "read"};
static const char *const markers[] = {"cs_enter", "cs_exit", "pause", "resume", "crash",
                                      "give_up",  "fault",   "clock", NULL};

const char *hev_type_name(int type)
{
    return type >= 0 && type <= HEV_INFO ? type_names[type] : "?";
}

const char *hev_role_name(int role)
{
    return role >= 0 && role <= ROLE_READ ? role_names[role] : "";
}

int hev_role_parse(const char *s)
{
    for (int i = 1; i <= ROLE_READ; i++)
        if (strcmp(s, role_names[i]) == 0)
            return i;
    return -1;
}

int hev_f_is_read(const char *f)
{
    static const char *const reads[] = {"GetObject", "HeadObject",   "GetItem",          "Query",
                                        "Scan",      "BatchGetItem", "TransactGetItems", "read",
                                        NULL};
    for (size_t i = 0; reads[i]; i++)
        if (!strcmp(f, reads[i]))
            return 1;
    return 0;
}

int hev_is_marker(const struct hev *e)
{
    for (int i = 0; markers[i]; i++)
        if (strcmp(e->f, markers[i]) == 0)
            return 1;
    return 0;
}

void history_init(struct history *h)
{
    memset(h, 0, sizeof *h);
}

void history_cleanup(struct history *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->ev[i].list);
    for (size_t i = 0; i < h->nstrs; i++)
        free(h->strs[i]);
    free(h->ev);
    free(h->strs);
    free(h->slots);
    memset(h, 0, sizeof *h);
}

static uint64_t str_hash(const char *s)
{
    uint64_t x = 1469598103934665603ull;
    for (; *s; s++)
        x = (x ^ (unsigned char)*s) * 1099511628211ull;
    return x;
}

static size_t slot_of(const struct history *h, const char *s)
{
    size_t mask = h->slots_cap - 1, i = str_hash(s) & mask;
    while (h->slots[i] && strcmp(h->strs[h->slots[i] - 1], s) != 0)
        i = (i + 1) & mask;
    return i;
}

uint32_t history_find(const struct history *h, const char *s)
{
    if (!h->slots_cap || !s)
        return 0;
    return h->slots[slot_of(h, s)];
}

static int grow_slots(struct history *h)
{
    size_t cap = h->slots_cap ? h->slots_cap * 2 : 256;
    uint32_t *old = h->slots;
    size_t old_cap = h->slots_cap;
    h->slots = calloc(cap, sizeof *h->slots);
    if (!h->slots) {
        h->slots = old;
        return LY_ENOMEM;
    }
    h->slots_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            h->slots[slot_of(h, h->strs[old[i] - 1])] = old[i];
    free(old);
    return 0;
}

uint32_t history_intern(struct history *h, const char *s)
{
    if (!s)
        return 0;
    if ((h->nstrs + 1) * 2 > h->slots_cap && grow_slots(h))
        return 0;
    size_t i = slot_of(h, s);
    if (h->slots[i])
        return h->slots[i];
    if (h->nstrs == h->strs_cap) {
        size_t cap = h->strs_cap ? h->strs_cap * 2 : 256;
        char **p = realloc(h->strs, cap * sizeof *p);
        if (!p)
            return 0;
        h->strs = p;
        h->strs_cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return 0;
    h->strs[h->nstrs++] = copy;
    h->slots[i] = (uint32_t)h->nstrs;
    return (uint32_t)h->nstrs;
}

const char *history_str(const struct history *h, uint32_t id)
{
    return id && id <= h->nstrs ? h->strs[id - 1] : "";
}

struct hev hev_blank(void)
{
    struct hev e;
    memset(&e, 0, sizeof e);
    e.seq = -1;
    e.applied = -1;
    e.pair = UINT32_MAX;
    return e;
}

int history_add(struct history *h, const struct hev *e)
{
    if (h->n >= HIST_EVENTS_MAX)
        return LY_ETOOBIG;
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        struct hev *p = realloc(h->ev, cap * sizeof *p);
        if (!p)
            return LY_ENOMEM;
        h->ev = p;
        h->cap = cap;
    }
    h->ev[h->n++] = *e;
    return 0;
}

#define OPEN_PER_PROCESS 4 /* nested ops of one client, e.g. append around its PutObject */

static uint32_t *open_slot(uint32_t *open, uint32_t p, const struct history *h, const char *f)
{
    for (int k = OPEN_PER_PROCESS - 1; k >= 0; k--) {
        uint32_t i = open[p * OPEN_PER_PROCESS + (uint32_t)k];
        if (i != UINT32_MAX && (!f || !strcmp(h->ev[i].f, f)))
            return &open[p * OPEN_PER_PROCESS + (uint32_t)k];
    }
    return NULL;
}

static int close_open(struct history *h, uint32_t *open, size_t nproc, int64_t end)
{
    int rc = 0;
    for (size_t s = 0; s < nproc * OPEN_PER_PROCESS && !rc; s++) {
        uint32_t i = open[s];
        if (i == UINT32_MAX || h->ev[i].pair != UINT32_MAX)
            continue;
        struct hev e = hev_blank();
        e.time_us = end + 1;
        e.process = h->ev[i].process;
        e.type = HEV_INFO;
        memcpy(e.f, h->ev[i].f, sizeof e.f);
        e.key = h->ev[i].key;
        e.role = h->ev[i].role;
        e.pair = i;
        rc = history_add(h, &e);
        if (!rc)
            h->ev[i].pair = (uint32_t)(h->n - 1);
    }
    return rc;
}

int history_pair(struct history *h)
{
    size_t nproc = h->nstrs + 1, n0 = h->n;
    uint32_t *open = malloc(nproc * OPEN_PER_PROCESS * sizeof *open);
    if (!open)
        return LY_ENOMEM;
    memset(open, 0xff, nproc * OPEN_PER_PROCESS * sizeof *open);
    int64_t end = n0 ? h->ev[n0 - 1].time_us : 0;
    for (size_t i = 0; i < n0; i++) {
        struct hev *e = &h->ev[i];
        if (hev_is_marker(e) || e->process >= nproc)
            continue;
        if (e->time_us > end)
            end = e->time_us;
        if (e->pair != UINT32_MAX)
            continue; /* paired before */
        if (e->type == HEV_INVOKE) {
            uint32_t *slot = open_slot(open, e->process, h, e->f);
            if (!slot) /* a free slot: the lowest one */
                for (int k = 0; k < OPEN_PER_PROCESS && !slot; k++)
                    if (open[e->process * OPEN_PER_PROCESS + (uint32_t)k] == UINT32_MAX)
                        slot = &open[e->process * OPEN_PER_PROCESS + (uint32_t)k];
            if (slot)
                *slot = (uint32_t)i;
            continue;
        }
        uint32_t *slot = open_slot(open, e->process, h, e->f);
        if (slot) {
            e->pair = *slot;
            h->ev[*slot].pair = (uint32_t)i;
            *slot = UINT32_MAX;
        }
    }
    int rc = close_open(h, open, nproc, end);
    free(open);
    return rc;
}

static json_t *value_json(const struct history *h, const struct hev *e)
{
    if (e->list) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < e->list_len; i++)
            json_array_append_new(a, json_string(history_str(h, (uint32_t)e->list[i])));
        return a;
    }
    if (!strcmp(e->f, "cas") && e->type == HEV_INVOKE)
        return json_pack("[ss]", history_str(h, (uint32_t)e->cond_val),
                         history_str(h, (uint32_t)e->val));
    if (e->val || e->val_known)
        return e->val ? json_string(history_str(h, (uint32_t)e->val)) : json_null();
    return NULL;
}

static json_t *event_json(const struct history *h, const struct hev *e, size_t index)
{
    json_t *o = json_pack("{sI sI ss ss ss}", "index", (json_int_t)index, "time",
                          (json_int_t)e->time_us, "process", history_str(h, e->process), "type",
                          hev_type_name(e->type), "f", e->f);
    if (!o)
        return NULL;
    if (e->key)
        json_object_set_new(o, "key", json_string(history_str(h, e->key)));
    if (e->role)
        json_object_set_new(o, "role", json_string(hev_role_name(e->role)));
    if (e->cond)
        json_object_set_new(o, "cond",
                            json_string(e->cond == COND_INM ? "If-None-Match" : "If-Match"));
    if (e->cond == COND_IM || (e->cond_val && strcmp(e->f, "cas")))
        json_object_set_new(o, "cond_value", json_string(history_str(h, (uint32_t)e->cond_val)));
    json_t *v = value_json(h, e);
    if (v)
        json_object_set_new(o, "value", v);
    if (e->type != HEV_INVOKE && !hev_is_marker(e))
        json_object_set_new(o, "status", json_integer(e->status));
    if (e->code)
        json_object_set_new(o, "code", json_string(history_str(h, e->code)));
    if (e->seq >= 0)
        json_object_set_new(o, "seq", json_integer(e->seq));
    if (e->done_us > 0)
        json_object_set_new(o, "done_us", json_integer(e->done_us));
    if (e->sent_us > 0)
        json_object_set_new(o, "sent_us", json_integer(e->sent_us));
    if (e->type != HEV_INVOKE && e->applied >= 0)
        json_object_set_new(o, "applied", json_boolean(e->applied));
    if (e->note)
        json_object_set_new(o, "note", json_string(history_str(h, e->note)));
    return o;
}

int history_write_jsonl(const struct history *h, FILE *f)
{
    for (size_t i = 0; i < h->n; i++) {
        json_t *o = event_json(h, &h->ev[i], i);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!s)
            return LY_ENOMEM;
        int bad = fprintf(f, "%s\n", s) < 0;
        free(s);
        if (bad)
            return LY_EIO;
    }
    return fflush(f) ? LY_EIO : 0;
}
