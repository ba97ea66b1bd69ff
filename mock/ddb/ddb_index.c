/*
 * ddb_index.c - secondary indexes as the handlers see them: the store's index list of a
 * CreateTable request, index key checks on written items, live index counts in
 * descriptions, and UpdateTable's GlobalSecondaryIndexUpdates (Create, Update, Delete).
 *
 * The store maintains the entries in the same transaction as the item (so reads of a GSI are
 * never behind the table, unlike DynamoDB's eventually consistent GSIs), and an index created
 * by UpdateTable is backfilled before the call answers.
 */
#include "ddb_internal.h"

#include <stdio.h>
#include <string.h>

#define P "One or more parameter values were invalid: "

static int index_from_json(struct ddb_call *c, const json_t *ix, const json_t *defs, bool global,
                           struct store_ddb_index *out)
{
    const json_t *proj = json_object_get(ix, "Projection");
    const char *ptype = json_string_value(json_object_get(proj, "ProjectionType"));
    const json_t *nka = json_object_get(proj, "NonKeyAttributes");
    memset(out, 0, sizeof *out);
    out->name = ly_arena_strdup(c->a, json_string_value(json_object_get(ix, "IndexName")));
    out->global = global;
    out->proj = ptype && strcmp(ptype, "KEYS_ONLY") == 0 ? STORE_DDB_PROJ_KEYS_ONLY
                : ptype && strcmp(ptype, "INCLUDE") == 0 ? STORE_DDB_PROJ_INCLUDE
                                                         : STORE_DDB_PROJ_ALL;
    const char **attrs = ly_arena_calloc(c->a, (json_array_size(nka) + 1) * sizeof *attrs);
    if (!out->name || !attrs)
        return ddb_fail_store(c, LY_ENOMEM);
    for (size_t i = 0; i < json_array_size(nka); i++) {
        const char *s = json_string_value(json_array_get(nka, i));
        if (s && !(attrs[out->nattrs++] = ly_arena_strdup(c->a, s)))
            return ddb_fail_store(c, LY_ENOMEM);
    }
    out->attrs = attrs;
    return ddb_key_schema_parse(c, json_object_get(ix, "KeySchema"), defs, &out->ks);
}

int ddb_index_defs(struct ddb_call *c, struct store_ddb_table *rec)
{
    const json_t *defs = ddb_member(c, c->in, "AttributeDefinitions");
    const json_t *lsi = ddb_member(c, c->in, "LocalSecondaryIndexes");
    const json_t *gsi = ddb_member(c, c->in, "GlobalSecondaryIndexes");
    size_t n = json_array_size(lsi) + json_array_size(gsi), k = 0;
    rec->indexes = NULL;
    rec->nindexes = 0;
    if (!n)
        return 0;
    rec->indexes = ly_arena_calloc(c->a, n * sizeof *rec->indexes);
    if (!rec->indexes)
        return ddb_fail_store(c, LY_ENOMEM);
    int rc = ddb_key_schema_parse(c, ddb_member(c, c->in, "KeySchema"), defs, &rec->ks);
    for (size_t i = 0; !rc && i < json_array_size(lsi); i++)
        rc = index_from_json(c, json_array_get(lsi, i), defs, false, &rec->indexes[k++]);
    for (size_t i = 0; !rc && i < json_array_size(gsi); i++)
        rc = index_from_json(c, json_array_get(gsi, i), defs, true, &rec->indexes[k++]);
    rec->nindexes = k;
    return rc;
}

const struct store_ddb_index *ddb_index_find(const struct ddb_table *t, const char *name)
{
    for (size_t i = 0; name && i < t->nidx; i++)
        if (strcmp(t->idx[i].name, name) == 0)
            return &t->idx[i];
    return NULL;
}

/* The first problem of one key attribute of ix, or 0. */
static int check_attr(const struct store_ddb_index *ix, const char *name, enum ddb_type want,
                      const struct ddb_map *item, bool by_update, struct ddb_err *err)
{
    const struct ddb_val *v = name ? ddb_map_get(item, name, strlen(name)) : NULL;
    if (!v)
        return 0;
    if (v->type != want)
        return ddb_err_valid(err,
                             P "Type mismatch for Index Key %s Expected: %s Actual: %s "
                               "IndexName: %s",
                             name, ddb_type_name(want), ddb_type_name(v->type), ix->name);
    if (v->type == DDB_T_N || v->u.bytes.len)
        return 0;
    const char *what = v->type == DDB_T_S ? "string" : "binary";
    if (by_update)
        return ddb_err_valid(err,
                             P "The update expression attempted to update a secondary "
                               "index key to a value that is not supported. The "
                               "AttributeValue for a key attribute cannot contain an empty "
                               "%s value. IndexName: %s, IndexKey: %s",
                             what, ix->name, name);
    return ddb_err_valid(err,
                         "One or more parameter values are not valid. A value specified for "
                         "a secondary index key is not supported. The AttributeValue for a "
                         "key attribute cannot contain an empty %s value. IndexName: %s, "
                         "IndexKey: %s",
                         what, ix->name, name);
}

int ddb_index_check_item(const struct ddb_table *t, const struct ddb_map *item, bool by_update,
                         struct ddb_err *err)
{
    const struct store_ddb_index *first = NULL;
    if (!t || !item)
        return 0;
    /* DynamoDB names the alphabetically first failing index */
    for (size_t i = 0; i < t->nidx; i++) {
        const struct store_ddb_index *ix = &t->idx[i];
        struct ddb_err e;
        memset(&e, 0, sizeof e);
        if ((check_attr(ix, ix->ks.hash_name, ix->ks.hash_type, item, by_update, &e) ||
             check_attr(ix, ix->ks.range_name, ix->ks.range_type, item, by_update, &e)) &&
            (!first || strcmp(ix->name, first->name) < 0)) {
            first = ix;
            *err = e;
        }
    }
    return first ? LY_EINVAL : 0;
}

static int describe_list(struct ddb_call *c, const struct ddb_table *t, json_t *list)
{
    size_t i;
    json_t *o;
    json_array_foreach (list, i, o) {
        const char *name = json_string_value(json_object_get(o, "IndexName"));
        const struct store_ddb_index *ix = ddb_index_find(t, name);
        uint64_t items = 0, bytes = 0;
        int rc = ix ? store_ddb_table_stats(c->ctx->store, ix->id, &items, &bytes) : 0;
        if (rc)
            return ddb_fail_store(c, rc);
        if (json_object_set_new(o, "ItemCount", json_integer((json_int_t)items)) ||
            json_object_set_new(o, "IndexSizeBytes", json_integer((json_int_t)bytes)))
            return ddb_fail_store(c, LY_ENOMEM);
    }
    return 0;
}

int ddb_index_describe(struct ddb_call *c, const struct ddb_table *t, json_t *desc)
{
    int rc = describe_list(c, t, json_object_get(desc, "LocalSecondaryIndexes"));
    return rc ? rc : describe_list(c, t, json_object_get(desc, "GlobalSecondaryIndexes"));
}
