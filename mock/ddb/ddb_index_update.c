/*
 * ddb_index_update.c - UpdateTable's GlobalSecondaryIndexUpdates: one Create or Delete per
 * call (as DynamoDB allows) plus any number of throughput Updates. A created index is
 * backfilled by the store in the same transaction that records it, and a deleted one is
 * dropped with its entries, so DescribeTable shows it ACTIVE (or gone) at once; the
 * UpdateTable answer itself shows CREATING / DELETING as DynamoDB's does.
 */
#include "ddb_internal.h"

#include <string.h>

#define P "One or more parameter values were invalid: "

static const json_t *gsi_entry(const json_t *desc, const char *name, size_t *at)
{
    size_t i;
    const json_t *o;
    json_array_foreach (json_object_get(desc, "GlobalSecondaryIndexes"), i, o) {
        const char *n = json_string_value(json_object_get(o, "IndexName"));
        if (n && name && strcmp(n, name) == 0) {
            if (at)
                *at = i;
            return o;
        }
    }
    return NULL;
}

/* The definition of name from the request's AttributeDefinitions, else the table's. */
static const json_t *def_of(const json_t *req_defs, const json_t *desc, const char *name)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t i;
        const json_t *d;
        json_array_foreach (pass ? json_object_get(desc, "AttributeDefinitions") : req_defs, i, d)
            if (name && strcmp(json_string_value(json_object_get(d, "AttributeName")), name) == 0)
                return d;
    }
    return NULL;
}

static int check_create(struct ddb_call *c, const struct ddb_table *t, const json_t *cr)
{
    const char *name = json_string_value(json_object_get(cr, "IndexName"));
    const json_t *ks = json_object_get(cr, "KeySchema");
    const json_t *proj = json_object_get(cr, "Projection");
    const char *ptype = json_string_value(json_object_get(proj, "ProjectionType"));
    const json_t *pt = json_object_get(cr, "ProvisionedThroughput");
    const json_t *defs = ddb_member(c, c->in, "AttributeDefinitions");
    const json_t *bms = json_object_get(t->desc, "BillingModeSummary");
    const char *bm = json_string_value(json_object_get(bms, "BillingMode"));
    bool on_demand = bm && strcmp(bm, "PAY_PER_REQUEST") == 0;
    if (!name || !json_is_array(ks) || json_array_size(ks) < 1 || json_array_size(ks) > 2 || !ptype)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "IndexName, KeySchema and Projection are required to create a global "
                          "secondary index");
    if (ddb_index_find(t, name) || gsi_entry(t->desc, name, NULL))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Attempting to create an index which already exists");
    for (size_t i = 0; i < json_array_size(ks); i++) {
        const char *an = json_string_value(json_object_get(json_array_get(ks, i), "AttributeName"));
        if (!def_of(defs, t->desc, an))
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            P "Global Secondary Index hash key not specified in Attribute "
                              "Definitions.Type unknown.");
    }
    if (json_object_get(proj, "NonKeyAttributes") && strcmp(ptype, "INCLUDE") != 0)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "ProjectionType is %s, but NonKeyAttributes is specified", ptype);
    if (!on_demand && !json_is_object(pt))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "ProvisionedThroughput must be specified for index: %s", name);
    if (on_demand && json_is_object(pt))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        P "ProvisionedThroughput should not be specified for index: %s when "
                          "BillingMode is PAY_PER_REQUEST",
                        name);
    return json_array_size(json_object_get(t->desc, "GlobalSecondaryIndexes")) >= 20
               ? ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                          P "GlobalSecondaryIndex count exceeds the per-table limit of 20")
               : 0;
}

int ddb_index_updates_check(struct ddb_call *c, const struct ddb_table *t, const json_t *u)
{
    size_t i, online = 0;
    const json_t *e;
    json_array_foreach (u, i, e) {
        const json_t *cr = json_object_get(e, "Create"), *up = json_object_get(e, "Update");
        const json_t *del = json_object_get(e, "Delete");
        int n = (json_is_object(cr) ? 1 : 0) + (json_is_object(up) ? 1 : 0) +
                (json_is_object(del) ? 1 : 0);
        if (n != 1)
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            P "One of GlobalSecondaryIndexUpdate.Create, "
                              "GlobalSecondaryIndexUpdate.Update, or "
                              "GlobalSecondaryIndexUpdate.Delete must be specified");
        const char *name = json_string_value(json_object_get(cr ? cr : up ? up : del, "IndexName"));
        int rc = cr ? check_create(c, t, cr) : 0;
        if (rc)
            return rc;
        if (!cr && !gsi_entry(t->desc, name, NULL))
            return ddb_fail(c, LY_ENOENT, AWS_DDB_RESOURCE_NOT_FOUND,
                            DDB_MSG_NOT_FOUND ": Global Secondary Index: %s not found",
                            name ? name : "null");
        online += cr || del;
    }
    if (online > 1)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_LIMIT_EXCEEDED,
                        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                        "simultaneously per table");
    return 0;
}

static json_t *throughput(const json_t *pt)
{
    return json_pack("{s:i, s:I, s:I}", "NumberOfDecreasesToday", 0, "ReadCapacityUnits",
                     (json_int_t)json_integer_value(json_object_get(pt, "ReadCapacityUnits")),
                     "WriteCapacityUnits",
                     (json_int_t)json_integer_value(json_object_get(pt, "WriteCapacityUnits")));
}

/* Adds the request's definitions of ks's attributes that the table does not define yet. */
static int merge_defs(struct ddb_call *c, json_t *d, const json_t *ks)
{
    json_t *defs = json_object_get(d, "AttributeDefinitions");
    for (size_t i = 0; i < json_array_size(ks); i++) {
        const char *an = json_string_value(json_object_get(json_array_get(ks, i), "AttributeName"));
        const json_t *def = def_of(ddb_member(c, c->in, "AttributeDefinitions"), d, an);
        if (def_of(NULL, d, an))
            continue;
        if (!def || json_array_append_new(defs, json_deep_copy(def)))
            return LY_ENOMEM;
    }
    return 0;
}

static int apply_create(struct ddb_call *c, struct ly_arena *a, json_t *d, const json_t *cr,
                        struct store_ddb_table *rec)
{
    const char *name = json_string_value(json_object_get(cr, "IndexName"));
    const json_t *pt = json_object_get(cr, "ProvisionedThroughput");
    json_t *list = json_object_get(d, "GlobalSecondaryIndexes");
    struct store_ddb_index *ix = ly_arena_calloc(a, (rec->nindexes + 1) * sizeof *ix);
    if (!ix || merge_defs(c, d, json_object_get(cr, "KeySchema")))
        return LY_ENOMEM;
    if (!list && (json_object_set_new(d, "GlobalSecondaryIndexes", json_array()) ||
                  !(list = json_object_get(d, "GlobalSecondaryIndexes"))))
        return LY_ENOMEM;
    json_t *o = json_pack(
        "{s:s, s:O, s:O, s:s, s:o, s:s}", "IndexName", name, "KeySchema",
        json_object_get(cr, "KeySchema"), "Projection", json_object_get(cr, "Projection"),
        "IndexStatus", "ACTIVE", "ProvisionedThroughput", throughput(pt), "IndexArn",
        ly_arena_printf(a, "%s/index/%s", json_string_value(json_object_get(d, "TableArn")), name));
    if (!o || json_array_append_new(list, o))
        return LY_ENOMEM;
    if (rec->nindexes)
        memcpy(ix, rec->indexes, rec->nindexes * sizeof *ix);
    const json_t *proj = json_object_get(cr, "Projection");
    const char *ptype = json_string_value(json_object_get(proj, "ProjectionType"));
    struct store_ddb_index *n = &ix[rec->nindexes];
    n->name = ly_arena_strdup(a, name);
    n->global = true;
    n->proj = strcmp(ptype, "KEYS_ONLY") == 0 ? STORE_DDB_PROJ_KEYS_ONLY
              : strcmp(ptype, "INCLUDE") == 0 ? STORE_DDB_PROJ_INCLUDE
                                              : STORE_DDB_PROJ_ALL;
    const json_t *nka = json_object_get(proj, "NonKeyAttributes");
    const char **attrs = ly_arena_calloc(a, (json_array_size(nka) + 1) * sizeof *attrs);
    for (size_t i = 0; attrs && i < json_array_size(nka); i++)
        attrs[n->nattrs++] = ly_arena_strdup(a, json_string_value(json_array_get(nka, i)));
    n->attrs = attrs;
    int rc = ddb_key_schema_parse(c, json_object_get(cr, "KeySchema"),
                                  json_object_get(d, "AttributeDefinitions"), &n->ks);
    rec->indexes = ix;
    rec->nindexes++;
    return rc ? rc : n->name && attrs ? 0 : LY_ENOMEM;
}

static void apply_delete(json_t *d, const char *name, struct store_ddb_table *rec)
{
    size_t at;
    if (gsi_entry(d, name, &at))
        json_array_remove(json_object_get(d, "GlobalSecondaryIndexes"), at);
    if (json_array_size(json_object_get(d, "GlobalSecondaryIndexes")) == 0)
        json_object_del(d, "GlobalSecondaryIndexes");
    size_t k = 0;
    for (size_t i = 0; i < rec->nindexes; i++)
        if (strcmp(rec->indexes[i].name, name) != 0)
            rec->indexes[k++] = rec->indexes[i];
    rec->nindexes = k;
}

int ddb_index_updates_apply(struct ddb_call *c, struct ly_arena *a, json_t *d,
                            struct store_ddb_table *rec)
{
    size_t i;
    const json_t *e;
    int rc = 0;
    if (!rec->nindexes) {
        rc = ddb_table_schema(c, d, &rec->ks);
        if (rc)
            return rc;
    }
    json_array_foreach (ddb_member(c, c->in, "GlobalSecondaryIndexUpdates"), i, e) {
        const json_t *cr = json_object_get(e, "Create"), *up = json_object_get(e, "Update");
        const json_t *del = json_object_get(e, "Delete");
        if (json_is_object(cr)) {
            rc = apply_create(c, a, d, cr, rec);
        } else if (json_is_object(del)) {
            apply_delete(d, json_string_value(json_object_get(del, "IndexName")), rec);
        } else {
            json_t *o =
                (json_t *)gsi_entry(d, json_string_value(json_object_get(up, "IndexName")), NULL);
            const json_t *pt = json_object_get(up, "ProvisionedThroughput");
            if (o && json_is_object(pt))
                rc = json_object_set_new(o, "ProvisionedThroughput", throughput(pt)) ? LY_ENOMEM
                                                                                     : 0;
        }
        if (rc)
            return rc;
    }
    return 0;
}

int ddb_index_updates_answer(struct ddb_call *c, const json_t *before, json_t *d)
{
    size_t i;
    const json_t *e;
    json_array_foreach (ddb_member(c, c->in, "GlobalSecondaryIndexUpdates"), i, e) {
        const json_t *cr = json_object_get(e, "Create"), *del = json_object_get(e, "Delete");
        const char *name = json_string_value(json_object_get(cr ? cr : del, "IndexName"));
        json_t *o = NULL;
        if (json_is_object(cr) && (o = (json_t *)gsi_entry(d, name, NULL)))
            json_object_set_new(o, "Backfilling", json_false());
        if (json_is_object(del) && (o = json_deep_copy(gsi_entry(before, name, NULL)))) {
            json_t *list = json_object_get(d, "GlobalSecondaryIndexes");
            if (!list) {
                json_object_set_new(d, "GlobalSecondaryIndexes", json_array());
                list = json_object_get(d, "GlobalSecondaryIndexes");
            }
            if (json_array_append_new(list, o))
                return ddb_fail_store(c, LY_ENOMEM);
        }
        if (o &&
            (json_object_set_new(o, "IndexStatus", json_string(cr ? "CREATING" : "DELETING")) ||
             json_object_set_new(o, "ItemCount", json_integer(0)) ||
             json_object_set_new(o, "IndexSizeBytes", json_integer(0))))
            return ddb_fail_store(c, LY_ENOMEM);
    }
    return 0;
}
