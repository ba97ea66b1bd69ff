/*
 * arena.h - a per-request bump allocator with a hard cap.
 *
 * Everything a request needs for its lifetime is allocated here and freed at
 * once by ly_arena_cleanup when the response has been sent. Allocation
 * failures (system or cap) return NULL; callers answer 500 / LY_ENOMEM.
 */
#ifndef LOCKYARD_ARENA_H
#define LOCKYARD_ARENA_H

#include <stddef.h>

struct ly_arena_block;

struct ly_arena {
    struct ly_arena_block *head;
    size_t used_bytes;
    size_t max_bytes;
};

void ly_arena_init(struct ly_arena *a, size_t max_bytes);
void ly_arena_cleanup(struct ly_arena *a);
/** Empties a for reuse: frees every block but one of the standard size, which it keeps. */
void ly_arena_reset(struct ly_arena *a);
/** 16-byte aligned, uninitialised; NULL on failure. */
void *ly_arena_alloc(struct ly_arena *a, size_t n);
void *ly_arena_calloc(struct ly_arena *a, size_t n);
char *ly_arena_strndup(struct ly_arena *a, const char *s, size_t n);
char *ly_arena_strdup(struct ly_arena *a, const char *s);
void *ly_arena_memdup(struct ly_arena *a, const void *p, size_t n);
char *ly_arena_printf(struct ly_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
