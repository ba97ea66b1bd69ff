/*
 * ddb_cache.c - parsed table descriptions shared between requests.
 *
 * Every data-plane request loads its table's record from the store; parsing the stored
 * TableDescription JSON again each time was a fifth of a PutItem's work. The cache is
 * addressed by the description's text itself, compared in full, so it never needs to be
 * invalidated: an UpdateTable, a TTL change or a table deleted and created again stores a
 * different text (or the same text, whose parse is the same). A few slots, replaced in turn.
 * Each slot also keeps the table's key schema, read from the description once: its names point
 * into the cached description, which every request using them holds a reference to.
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
        struct ddb_key_schema ks; /* hash_name NULL until ddb_cache_set_schema */
    } slot[CACHE_SLOTS];
    unsigned next; /* the slot the next miss replaces */
};

json_t *ddb_cache_desc(struct ddb_ctx *ctx, const char *desc, size_t len,
                       struct ddb_key_schema **ks)
{
    struct ddb_table_cache *tc = ctx->tables;
    *ks = NULL;
    if (!tc && !(tc = ctx->tables = calloc(1, sizeof *tc)))
        return json_loadb(desc, len, 0, NULL);
    for (unsigned i = 0; i < CACHE_SLOTS; i++)
        if (tc->slot[i].desc && tc->slot[i].len == len &&
            memcmp(tc->slot[i].text, desc, len) == 0) {
            *ks = &tc->slot[i].ks;
            return json_incref(tc->slot[i].desc);
        }
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
    memset(&tc->slot[i].ks, 0, sizeof tc->slot[i].ks);
    *ks = &tc->slot[i].ks;
    return parsed;
}

/* The name in desc's KeySchema equal to name (so that it lives as long as desc). */
static const char *desc_name(const json_t *desc, const char *name)
{
    size_t i;
    const json_t *k;
    json_array_foreach (json_object_get(desc, "KeySchema"), i, k) {
        const char *n = json_string_value(json_object_get(k, "AttributeName"));
        if (n && strcmp(n, name) == 0)
            return n;
    }
    return NULL;
}

void ddb_cache_set_schema(struct ddb_key_schema *slot, const json_t *desc,
                          const struct ddb_key_schema *ks)
{
    struct ddb_key_schema s = *ks;
    s.hash_name = desc_name(desc, ks->hash_name);
    s.range_name = ks->range_name ? desc_name(desc, ks->range_name) : NULL;
    if (s.hash_name && (s.range_name || !ks->range_name))
        *slot = s;
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
