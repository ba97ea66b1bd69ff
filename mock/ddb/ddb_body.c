/*
 * ddb_body.c - a request body's JSON parsed into the request's arena (see ddb.h).
 *
 * jansson allocates every object, member, string and lexer buffer of a parse with malloc and
 * frees them one by one afterwards: 40-odd mallocs and as many frees per PutItem. Here jansson
 * takes its memory from the request arena for the length of one json_loadb call (its allocator
 * is process-wide: the functions installed before are put back right after, and the arena is
 * reached through a thread-local pointer, so a parse on another thread is not affected), and
 * the tree is given one extra reference so that no json_decref ever frees a node of it: the
 * arena's cleanup frees it all at once.
 */
#include "lockyard/ddb.h"

#include <stddef.h>

/* Bodies up to this size only: their trees take at most a few MiB of the arena (jansson's
 * nodes are many times the text they hold), which a larger batch body's could fill; those are
 * parsed with malloc as before. */
#define ARENA_BODY_MAX (64u << 10)

static _Thread_local struct ly_arena *parse_arena;

static void *arena_malloc(size_t n)
{
    return ly_arena_alloc(parse_arena, n);
}

static void arena_free(void *p)
{
    (void)p; /* freed with the arena */
}

json_t *ddb_body_parse(struct ly_arena *a, const void *body, size_t len)
{
    if (len > ARENA_BODY_MAX)
        return json_loadb(body, len, JSON_ALLOW_NUL, NULL);
    json_malloc_t prev_malloc;
    json_free_t prev_free;
    json_get_alloc_funcs(&prev_malloc, &prev_free);
    struct ly_arena *prev_arena = parse_arena;
    parse_arena = a;
    json_set_alloc_funcs(arena_malloc, arena_free);
    json_t *doc = json_loadb(body, len, JSON_ALLOW_NUL, NULL);
    json_set_alloc_funcs(prev_malloc, prev_free);
    parse_arena = prev_arena;
    if (doc)
        return json_incref(doc); /* the reference no json_decref takes away */
    /* Not JSON, or the arena's cap reached: the usual parse decides (and says NULL for what is
     * not JSON, as before) */
    return json_loadb(body, len, JSON_ALLOW_NUL, NULL);
}
