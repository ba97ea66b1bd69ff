/*
 * ddb_cache.c - parsed table descriptions shared between requests.
 *
 * Every data-plane request loads its table's record from the store; parsing the stored
 * TableDescription JSON again each time was a fifth of a PutItem's work. The cache is
 * addressed by the description's text itself, compared in full, so it never needs to be
 * invalidated: an UpdateTable, a TTL change or a table deleted and created again stores a
 * different text (or the same text, whose parse is the same). A few slots, replaced in turn.
 */
#include "ddb_internal.h"
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 8

struct ddb_table_cache {
    struct {
        char *text;
        size_t len;
        json_t *desc;
    } slot[CACHE_SLOTS];
    unsigned next; /* the slot the next miss replaces */
};

json_t *ddb_cache_desc(struct ddb_ctx *ctx, const char *desc, size_t len)
{
    struct ddb_table_cache *tc = ctx->tables;
    if (!tc && !(tc = ctx->tables = calloc(1, sizeof *tc)))
        return json_loadb(desc, len, 0, NULL);
    for (unsigned i = 0; i < CACHE_SLOTS; i++)
        if (tc->slot[i].desc && tc->slot[i].len == len && memcmp(tc->slot[i].text, desc, len) == 0)
            return json_incref(tc->slot[i].desc);
    json_t *parsed = json_loadb(desc, len, 0, NULL);
    char *text = parsed ? malloc(len ? len : 1) : NULL;
    if (!text)
        return parsed;
    memcpy(text, desc, len);
    unsigned i = tc->next;
    tc->next = (i + 1) % CACHE_SLOTS;
    free(tc->slot[i].text);
    json_decref(tc->slot[i].desc);
    tc->slot[i].text = text;
    tc->slot[i].len = len;
    tc->slot[i].desc = json_incref(parsed);
    return parsed;
}

void ddb_ctx_cleanup(struct ddb_ctx *ctx)
{
    struct ddb_table_cache *tc = ctx->tables;
    if (!tc)
        return;
    for (unsigned i = 0; i < CACHE_SLOTS; i++) {
        free(tc->slot[i].text);
        json_decref(tc->slot[i].desc);
    }
    free(tc);
    ctx->tables = NULL;
}
