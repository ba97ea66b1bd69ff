/* arena.c - per-request bump allocator (see arena.h). Pure: no I/O. */
#include "lockyard/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES 8192

struct ly_arena_block {
    struct ly_arena_block *next;
    size_t size;
    size_t off;
    _Alignas(16) unsigned char mem[];
};

void ly_arena_init(struct ly_arena *a, size_t max_bytes)
{
    a->head = NULL;
    a->used_bytes = 0;
    a->max_bytes = max_bytes;
}

void ly_arena_cleanup(struct ly_arena *a)
{
    struct ly_arena_block *b = a->head;
    while (b) {
        struct ly_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_bytes = 0;
}

void ly_arena_reset(struct ly_arena *a)
{
    struct ly_arena_block *keep = NULL, *b = a->head;
    while (b) {
        struct ly_arena_block *next = b->next;
        if (!keep && b->size == BLOCK_BYTES)
            keep = b;
        else
            free(b);
        b = next;
    }
    if (keep) {
        keep->next = NULL;
        keep->off = 0;
    }
    a->head = keep;
    a->used_bytes = 0;
}

void *ly_arena_alloc(struct ly_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    if (n > a->max_bytes || a->used_bytes > a->max_bytes - n)
        return NULL;
    struct ly_arena_block *b = a->head;
    if (!b || b->size - b->off < n) {
        size_t size = n > BLOCK_BYTES ? n : BLOCK_BYTES;
        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->size = size;
        b->off = 0;
        /* A large one-off block goes behind the current one so the current keeps filling. */
        if (a->head && n > BLOCK_BYTES) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->mem + b->off;
    b->off += n;
    a->used_bytes += n;
    return p;
}

void *ly_arena_calloc(struct ly_arena *a, size_t n)
{
    void *p = ly_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *ly_arena_memdup(struct ly_arena *a, const void *p, size_t n)
{
    void *q = ly_arena_alloc(a, n);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *ly_arena_strndup(struct ly_arena *a, const char *s, size_t n)
{
    char *q = ly_arena_alloc(a, n + 1);
    if (!q)
        return NULL;
    if (n)
        memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

char *ly_arena_strdup(struct ly_arena *a, const char *s)
{
    return ly_arena_strndup(a, s, strlen(s));
}

char *ly_arena_printf(struct ly_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *q = ly_arena_alloc(a, (size_t)n + 1);
    if (!q)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(q, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return q;
}
