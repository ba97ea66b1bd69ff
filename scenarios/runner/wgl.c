/*
 * wgl.c - linearizability search after Wing & Gong (1993) with Lowe's memoisation (2017),
 * the `nonlinearizable` check of docs/scenarios.md: a doubly linked list of call/return entries,
 * a stack of tentatively linearized calls, and a cache of (linearized set,
 * model state) configurations already explored. The linearized set is a
 * bitset hashed incrementally (Zobrist: one random word per op, XORed in and
 * out). States are int64 values, so a configuration is (bitset, state).
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

/* An op whose outcome is unknown took effect only if its condition held. */
static int step_unknown(int64_t st, const struct wgl_op *op, int64_t *next)
{
    int ok;
    switch (op->kind) {
    case W_CAS:
        ok = st == op->a;
        *next = op->b;
        break;
    case W_ACQUIRE:
        ok = st == 0;
        *next = op->a;
        break;
    case W_RELEASE:
        ok = st == op->a;
        *next = 0;
        break;
    case W_S3_PUT:
        ok = op->cond == COND_INM ? st == 0 : op->cond == COND_IM ? st && st == op->b : 1;
        *next = op->a;
        break;
    case W_S3_DELETE:
        ok = op->cond == COND_IM ? st && st == op->b : 1;
        *next = 0;
        break;
    case W_WRITE:
        ok = 1;
        *next = op->a;
        break;
    case W_ADD:
        ok = 1;
        *next = st + op->a;
        break;
    default: ok = 0; break;
    }
    if (!ok)
        *next = st;
    return 1;
}

int wgl_step(int model, int64_t st, const struct wgl_op *op, int64_t *next)
{
    *next = st;
    if (op->unknown)
        return step_unknown(st, op, next);
    switch (op->kind) {
    case W_READ: return !op->out_known || st == op->out;
    case W_WRITE: *next = op->a; return 1;
    case W_CAS: *next = op->b; return st == op->a;
    case W_ACQUIRE: *next = op->a; return st == 0;
    case W_RELEASE: *next = 0; return st == op->a;
    case W_ADD: *next = st + op->a; return 1;
    case W_S3_GET: return !op->out_known || st == op->out;
    case W_S3_PUT:
        *next = op->a;
        return op->cond == COND_INM ? st == 0 : op->cond == COND_IM ? st == op->b && st : 1;
    case W_S3_DELETE: *next = 0; return op->cond == COND_IM ? st && st == op->b : 1;
    }
    (void)model;
    return 0;
}

struct entry {
    int32_t prev, next, match;
    uint32_t id;
    uint8_t is_call;
};

struct cache {
    uint64_t *keys; /* 0 = empty slot */
    uint32_t *offs; /* bitset offset (in words) in the arena */
    int64_t *states;
    size_t cap, used;
    uint64_t *arena;
    size_t arena_len, arena_cap, words;
    size_t bytes, bytes_max;
};

struct frame {
    int32_t entry;
    int64_t state;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static int cache_grow(struct cache *c)
{
    size_t cap = c->cap ? c->cap * 2 : 1024;
    struct cache n = *c;
    n.keys = calloc(cap, sizeof *n.keys);
    n.offs = malloc(cap * sizeof *n.offs);
    n.states = malloc(cap * sizeof *n.states);
    n.cap = cap;
    if (!n.keys || !n.offs || !n.states) {
        free(n.keys);
        free(n.offs);
        free(n.states);
        return LY_ENOMEM;
    }
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->keys[i])
            continue;
        size_t j = c->keys[i] & (cap - 1);
        while (n.keys[j])
            j = (j + 1) & (cap - 1);
        n.keys[j] = c->keys[i];
        n.offs[j] = c->offs[i];
        n.states[j] = c->states[i];
    }
    free(c->keys);
    free(c->offs);
    free(c->states);
    c->keys = n.keys;
    c->offs = n.offs;
    c->states = n.states;
    c->cap = cap;
    c->bytes += cap * 20 / 2;
    return 0;
}

/* @return 1 inserted (new configuration), 0 present, LY_ENOMEM over the cap */
static int cache_insert(struct cache *c, uint64_t key, const uint64_t *bits, int64_t state)
{
    key |= 1; /* never 0 */
    if ((c->used + 1) * 2 > c->cap && cache_grow(c))
        return LY_ENOMEM;
    size_t i = key & (c->cap - 1);
    for (; c->keys[i]; i = (i + 1) & (c->cap - 1))
        if (c->keys[i] == key && c->states[i] == state &&
            !memcmp(c->arena + c->offs[i], bits, c->words * 8))
            return 0;
    if (c->bytes > c->bytes_max)
        return LY_ENOMEM;
    if (c->arena_len + c->words > c->arena_cap) {
        size_t cap = c->arena_cap ? c->arena_cap * 2 : 4096;
        while (cap < c->arena_len + c->words)
            cap *= 2;
        uint64_t *a = realloc(c->arena, cap * 8);
        if (!a || cap > UINT32_MAX)
            return LY_ENOMEM;
        c->bytes += (cap - c->arena_cap) * 8;
        c->arena = a;
        c->arena_cap = cap;
    }
    memcpy(c->arena + c->arena_len, bits, c->words * 8);
    c->keys[i] = key;
    c->offs[i] = (uint32_t)c->arena_len;
    c->states[i] = state;
    c->arena_len += c->words;
    c->used++;
    return 1;
}

static int cmp_time(const void *pa, const void *pb, const struct wgl_op *ops)
{
    const uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    int64_t ta = a & 1 ? ops[a >> 1].ret : ops[a >> 1].call;
    int64_t tb = b & 1 ? ops[b >> 1].ret : ops[b >> 1].call;
    if (ta != tb)
        return ta < tb ? -1 : 1;
    if ((a & 1) != (b & 1))
        return (a & 1) ? 1 : -1; /* calls before returns at equal times */
    return a < b ? -1 : a > b;
}

/* A merge sort so the comparison can see ops without globals. */
static void sort_events(uint32_t *v, uint32_t *tmp, size_t n, const struct wgl_op *ops)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_events(v, tmp, h, ops);
    sort_events(v + h, tmp, n - h, ops);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_time(&v[i], &v[j], ops) <= 0 ? v[i++] : v[j++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

static int build_list(const struct wgl_op *ops, size_t n, struct entry *e)
{
    uint32_t *ord = malloc(2 * n * sizeof *ord), *tmp = malloc(2 * n * sizeof *tmp);
    int32_t *call_at = malloc(n * sizeof *call_at);
    if (!ord || !tmp || !call_at) {
        free(ord);
        free(tmp);
        free(call_at);
        return LY_ENOMEM;
    }
    for (size_t i = 0; i < 2 * n; i++)
        ord[i] = (uint32_t)i;
    sort_events(ord, tmp, 2 * n, ops);
    e[0] = (struct entry){-1, 1, -1, 0, 0};
    for (size_t i = 0; i < 2 * n; i++) {
        int32_t at = (int32_t)i + 1;
        uint32_t id = ord[i] >> 1;
        e[at] = (struct entry){at - 1, i + 1 < 2 * n ? at + 1 : -1, -1, id, !(ord[i] & 1)};
        if (e[at].is_call)
            call_at[id] = at;
        else {
            e[at].match = call_at[id];
            e[call_at[id]].match = at;
        }
    }
    free(ord);
    free(tmp);
    free(call_at);
    return 0;
}

static void lift(struct entry *e, int32_t x)
{
    int32_t m = e[x].match;
    e[e[x].prev].next = e[x].next;
    if (e[x].next >= 0)
        e[e[x].next].prev = e[x].prev;
    e[e[m].prev].next = e[m].next;
    if (e[m].next >= 0)
        e[e[m].next].prev = e[m].prev;
}

static void unlift(struct entry *e, int32_t x)
{
    int32_t m = e[x].match;
    e[e[m].prev].next = m;
    if (e[m].next >= 0)
        e[e[m].next].prev = m;
    e[e[x].prev].next = x;
    if (e[x].next >= 0)
        e[e[x].next].prev = x;
}

struct search {
    int model;
    const struct wgl_op *ops;
    struct entry *e;
    uint64_t *bits, *zob, hash;
    struct frame *stack;
    size_t depth;
    struct cache cache;
};

static void bit_flip(struct search *s, uint32_t id)
{
    s->bits[id / 64] ^= 1ull << (id % 64);
    s->hash ^= s->zob[id];
}

static int search_run(struct search *s, struct wgl_result *out)
{
    int64_t state = 0;
    int32_t cur = s->e[0].next;
    while (s->e[0].next >= 0) {
        struct entry *x = &s->e[cur];
        int64_t ns;
        if (x->is_call) {
            if (wgl_step(s->model, state, &s->ops[x->id], &ns)) {
                bit_flip(s, x->id);
                int rc = cache_insert(&s->cache, s->hash ^ mix64((uint64_t)ns), s->bits, ns);
                if (rc < 0) {
                    out->verdict = WGL_UNKNOWN;
                    return 0;
                }
                if (rc == 1) {
                    s->stack[s->depth++] = (struct frame){cur, state};
                    if (s->depth > out->depth)
                        out->depth = s->depth;
                    state = ns;
                    lift(s->e, cur);
                    cur = s->e[0].next;
                    continue;
                }
                bit_flip(s, x->id);
            }
            cur = x->next;
            continue;
        }
        if (s->depth == 0) {
            out->verdict = WGL_ILLEGAL;
            out->stuck = x->id;
            return 0;
        }
        struct frame f = s->stack[--s->depth];
        state = f.state;
        bit_flip(s, s->e[f.entry].id);
        unlift(s->e, f.entry);
        cur = s->e[f.entry].next;
    }
    out->verdict = WGL_OK;
    return 0;
}

int wgl_check(int model, const struct wgl_op *ops, size_t n, size_t memory_bytes,
              struct wgl_result *out)
{
    struct search s;
    memset(&s, 0, sizeof s);
    memset(out, 0, sizeof *out);
    if (n == 0)
        return 0;
    size_t words = (n + 63) / 64;
    s.model = model;
    s.ops = ops;
    s.e = malloc((2 * n + 1) * sizeof *s.e);
    s.bits = calloc(words, 8);
    s.zob = malloc(n * 8);
    s.stack = malloc(n * sizeof *s.stack);
    s.cache.words = words;
    s.cache.bytes_max = memory_bytes ? memory_bytes : (256u << 20);
    int rc = s.e && s.bits && s.zob && s.stack ? build_list(ops, n, s.e) : LY_ENOMEM;
    uint64_t z = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; !rc && i < n; i++)
        s.zob[i] = mix64(z += 0x9e3779b97f4a7c15ull);
    if (!rc)
        rc = search_run(&s, out);
    free(s.e);
    free(s.bits);
    free(s.zob);
    free(s.stack);
    free(s.cache.keys);
    free(s.cache.offs);
    free(s.cache.states);
    free(s.cache.arena);
    return rc;
}
