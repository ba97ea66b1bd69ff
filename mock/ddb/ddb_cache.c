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
 * And a slot may keep the table record it came with (name, id, TTL attribute; tables without
 * secondary indexes), good while the store's table generation (store_ddb_tables_gen) is the one
 * it was read under: a data-plane request then finds its table without a store read.
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
        uint64_t gen;             /* 0: no table record kept (ddb_cache_set_table) */
        char *name, *ttl_attr;
        uint64_t id;
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
    free(tc->slot[i].name);
    free(tc->slot[i].ttl_attr);
    memset(&tc->slot[i], 0, sizeof tc->slot[i]);
    tc->slot[i].text = text;
    tc->slot[i].len = len;
    tc->slot[i].desc = json_incref(parsed);
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

void ddb_cache_set_table(struct ddb_ctx *ctx, const struct ddb_key_schema *slot,
                         const struct store_ddb_table *rec, uint64_t gen)
{
    struct ddb_table_cache *tc = ctx->tables;
    for (unsigned i = 0; tc && i < CACHE_SLOTS; i++) {
        if (&tc->slot[i].ks != slot)
            continue;
        char *name = strdup(rec->name), *ttl = rec->ttl_attr ? strdup(rec->ttl_attr) : NULL;
        free(tc->slot[i].name);
        free(tc->slot[i].ttl_attr);
        tc->slot[i].name = name;
        tc->slot[i].ttl_attr = ttl;
        tc->slot[i].id = rec->id;
        /* kept only whole, with its key schema, and for a table without indexes */
        tc->slot[i].gen = name && (ttl || !rec->ttl_attr) && slot->hash_name && !rec->nindexes ? gen
                                                                                               : 0;
    }
}

bool ddb_cache_table(struct ddb_ctx *ctx, const char *name, uint64_t gen, struct ly_arena *a,
                     struct ddb_table *t)
{
    struct ddb_table_cache *tc = ctx->tables;
    for (unsigned i = 0; gen && tc && i < CACHE_SLOTS; i++) {
        if (tc->slot[i].gen != gen || strcmp(tc->slot[i].name, name) != 0)
            continue;
        memset(t, 0, sizeof *t);
        t->name = ly_arena_strdup(a, tc->slot[i].name);
        t->ttl_attr = tc->slot[i].ttl_attr ? ly_arena_strdup(a, tc->slot[i].ttl_attr) : NULL;
        if (!t->name || (tc->slot[i].ttl_attr && !t->ttl_attr))
            return false; /* the arena is full: the usual way reports it */
        t->id = tc->slot[i].id;
        t->desc = json_incref(tc->slot[i].desc);
        t->ks = tc->slot[i].ks;
        return true;
    }
    return false;
}

void ddb_ctx_cleanup(struct ddb_ctx *ctx)
{
    struct ddb_table_cache *tc = ctx->tables;
    if (!tc)
        return;
    for (unsigned i = 0; i < CACHE_SLOTS; i++) {
        free(tc->slot[i].text);
        free(tc->slot[i].name);
        free(tc->slot[i].ttl_attr);
        json_decref(tc->slot[i].desc);
    }
    free(tc);
    ctx->tables = NULL;
}
