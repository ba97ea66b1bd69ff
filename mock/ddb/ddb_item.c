/*
 * ddb_item.c - PutItem, GetItem, DeleteItem and UpdateItem.
 *
 * Order of checks, as DynamoDB: JSON member types, framework constraints
 * (table name, enums), AttributeValues, expression/legacy mixing, every
 * expression (UpdateExpression first), unused placeholders, then the table,
 * then the key against its schema and the item size; the condition is
 * evaluated and the write applied in one store write transaction.
 */
#include "ddb_internal.h"

#include <string.h>

static const char *const all_rv[] = {"ALL_NEW", "UPDATED_OLD", "ALL_OLD",
                                     "NONE",    "UPDATED_NEW", NULL};
static const char *const metrics[] = {"SIZE", "NONE", NULL};

struct item_req {
    const char *table;
    const char *rv; /* ReturnValues or NULL */
    bool rvoccf_all_old;
    struct ddb_map map; /* Item (PutItem) or Key */
    struct ddb_expr_ctx *cx;
    const struct ddb_cond *cond;
    struct ddb_table t;
    const void *key;
    size_t key_len;
};

/* Types, framework constraints and the Item/Key map of a write request. */
static int parse_common(struct ddb_call *c, const char *map_name, struct item_req *r)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    const json_t *jmap;
    const char *rim;
    int rc = ddb_get_str(c, c->in, "TableName", &r->table);
    if (!rc)
        rc = ddb_get_obj(c, c->in, map_name, &jmap);
    if (!rc)
        rc = ddb_get_str(c, c->in, "ReturnValues", &r->rv);
    if (!rc)
        rc = ddb_get_str(c, c->in, "ReturnItemCollectionMetrics", &rim);
    if (rc)
        return rc;
    ddb_vlist_table_name(&v, r->table, "tableName");
    if (!jmap)
        ddb_vlist_add(&v, NULL, strcmp(map_name, "Item") == 0 ? "item" : "key",
                      "Member must not be null");
    ddb_vlist_enum(&v, r->rv, "returnValues", all_rv);
    ddb_vlist_enum(&v, rim, "returnItemCollectionMetrics", metrics);
    if ((rc = ddb_vlist_check(c, &v)) || (rc = ddb_consumed_capacity(c, NULL, NULL, 0)) ||
        (rc = ddb_parse_rvoccf(c, c->in, &r->rvoccf_all_old)))
        return rc;
    rc = ddb_map_parse(c, jmap, &r->map);
    if (!rc)
        rc = ddb_expr_check_request(c->in, &c->err);
    if (!rc)
        rc = ddb_expr_ctx_new(c->a, ddb_member(c, c->in, "ExpressionAttributeNames"),
                              ddb_member(c, c->in, "ExpressionAttributeValues"), &r->cx, &c->err);
    return rc;
}

/* After the expressions: unused placeholders, the table, the key. */
static int load_and_key(struct ddb_call *c, struct item_req *r, bool is_item)
{
    int rc = ddb_expr_ctx_finish(r->cx, &c->err);
    if (!rc)
        rc = ddb_table_load(c, r->table, false, &r->t);
    if (!rc)
        rc = is_item ? ddb_item_check_keys(&r->t.ks, &r->map, &c->err)
                     : ddb_key_check(&r->t.ks, &r->map, &c->err);
    if (!rc && is_item && ddb_item_size(&r->map) > DDB_ITEM_BYTES_MAX)
        rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                      "Item size has exceeded the maximum allowed size");
    if (!rc)
        rc = ddb_key_encode(c, &r->t.ks, &r->map, &r->key, &r->key_len);
    return rc;
}

static int answer(struct ddb_call *c, const struct item_req *r, const struct ddb_map *attrs,
                  double units)
{
    c->out = json_object();
    if (!c->out)
        return ddb_fail_store(c, LY_ENOMEM);
    if (attrs && attrs->n) { /* written as text by ddb.c, first member of the answer */
        c->out_item = attrs;
        c->out_item_name = "Attributes";
    }
    return ddb_consumed_capacity(c, c->out, r->table, units);
}

static int only_all_old(struct ddb_call *c, const struct item_req *r)
{
    if (r->rv && strcmp(r->rv, "ALL_OLD") != 0 && strcmp(r->rv, "NONE") != 0)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "ReturnValues can only be ALL_OLD or NONE");
    return 0;
}

int ddb_op_put_item(struct ddb_call *c)
{
    struct item_req r;
    memset(&r, 0, sizeof r);
    int rc = parse_common(c, "Item", &r);
    if (!rc)
        rc = only_all_old(c, &r);
    if (!rc)
        rc = ddb_parse_condition(c, c->in, r.cx, &r.cond);
    if (!rc)
        rc = load_and_key(c, &r, true);
    if (rc)
        return rc;
    struct ddb_wop w = {.kind = DDB_W_PUT, .cond = r.cond, .item = &r.map};
    if ((rc = ddb_write_one(c, &r.t, r.key, r.key_len, &w, r.rvoccf_all_old)))
        return rc;
    bool all_old = r.rv && strcmp(r.rv, "ALL_OLD") == 0;
    return answer(c, &r, all_old ? w.old : NULL, ddb_write_units(ddb_item_size(&r.map)));
}

int ddb_op_delete_item(struct ddb_call *c)
{
    struct item_req r;
    memset(&r, 0, sizeof r);
    int rc = parse_common(c, "Key", &r);
    if (!rc)
        rc = only_all_old(c, &r);
    if (!rc)
        rc = ddb_parse_condition(c, c->in, r.cx, &r.cond);
    if (!rc)
        rc = load_and_key(c, &r, false);
    if (rc)
        return rc;
    struct ddb_wop w = {.kind = DDB_W_DELETE, .cond = r.cond};
    if ((rc = ddb_write_one(c, &r.t, r.key, r.key_len, &w, r.rvoccf_all_old)))
        return rc;
    bool all_old = r.rv && strcmp(r.rv, "ALL_OLD") == 0;
    return answer(c, &r, all_old ? w.old : NULL, ddb_write_units(w.old ? ddb_item_size(w.old) : 0));
}

/* UpdateExpression (parsed first, as DynamoDB does) or legacy AttributeUpdates. */
static int parse_update(struct ddb_call *c, struct item_req *r, const struct ddb_update **upd)
{
    const json_t *ue = ddb_member(c, c->in, "UpdateExpression");
    const json_t *au;
    const char *s;
    *upd = NULL;
    int rc = ddb_get_str(c, c->in, "UpdateExpression", &s);
    if (!rc)
        rc = ddb_get_obj(c, c->in, "AttributeUpdates", &au);
    if (rc)
        return rc;
    if (s)
        return ddb_update_parse(r->cx, s, json_string_length(ue), upd, &c->err);
    /* An empty AttributeUpdates is no update at all: a missing item is created with its key */
    if (au && json_object_size(au))
        return ddb_legacy_attribute_updates(c->a, au, upd, &c->err);
    return 0;
}

static const struct ddb_map *update_attrs(struct ddb_call *c, const struct item_req *r,
                                          const struct ddb_wop *w)
{
    struct ddb_map *m;
    if (!r->rv || strcmp(r->rv, "NONE") == 0)
        return NULL;
    if (strcmp(r->rv, "ALL_OLD") == 0)
        return w->old;
    if (strcmp(r->rv, "ALL_NEW") == 0)
        return w->new_item;
    const struct ddb_map *src = strcmp(r->rv, "UPDATED_OLD") == 0 ? w->old : w->new_item;
    if (!src || !w->upd || !(m = ly_arena_alloc(c->a, sizeof *m)))
        return NULL;
    return ddb_update_project(w->upd, c->a, src, m) ? NULL : m;
}

int ddb_op_update_item(struct ddb_call *c)
{
    struct item_req r;
    const struct ddb_update *upd = NULL;
    memset(&r, 0, sizeof r);
    int rc = parse_common(c, "Key", &r);
    if (!rc)
        rc = parse_update(c, &r, &upd);
    if (!rc)
        rc = ddb_parse_condition(c, c->in, r.cx, &r.cond);
    if (!rc)
        rc = load_and_key(c, &r, false);
    if (!rc && upd)
        rc = ddb_update_check_keys(upd, &r.t.ks, &c->err);
    if (rc)
        return rc;
    struct ddb_wop w = {.kind = DDB_W_UPDATE, .cond = r.cond, .upd = upd, .key = &r.map};
    if ((rc = ddb_write_one(c, &r.t, r.key, r.key_len, &w, r.rvoccf_all_old)))
        return rc;
    const struct ddb_map *n = w.new_item;
    return answer(c, &r, update_attrs(c, &r, &w), ddb_write_units(n ? ddb_item_size(n) : 0));
}

int ddb_op_get_item(struct ddb_call *c)
{
    struct item_req r;
    const struct ddb_proj *proj = NULL;
    const json_t *atg;
    const char *pe;
    int consistent = 0;
    memset(&r, 0, sizeof r);
    int rc = ddb_get_str(c, c->in, "ProjectionExpression", &pe);
    if (!rc)
        rc = ddb_get_arr(c, c->in, "AttributesToGet", &atg);
    if (!rc)
        rc = ddb_get_bool(c, c->in, "ConsistentRead", &consistent);
    if (!rc)
        rc = parse_common(c, "Key", &r);
    if (!rc && pe)
        rc = ddb_proj_parse(r.cx, pe, strlen(pe), &proj, &c->err);
    else if (!rc && atg)
        rc = ddb_legacy_attributes_to_get(c->a, atg, &proj, &c->err);
    if (!rc)
        rc = load_and_key(c, &r, false);
    if (rc)
        return rc;
    struct store_ddb_get g = {r.t.name, r.t.id, r.key, r.key_len, 0, {NULL, 0}, 0};
    rc = store_ddb_get(c->ctx->store, &g, 1, c->a);
    if (rc == LY_ENOPARENT)
        return ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND, DDB_MSG_NOT_FOUND);
    if (rc)
        return ddb_fail_store(c, rc);
    c->out = json_object();
    if (!c->out)
        return ddb_fail_store(c, LY_ENOMEM);
    if (g.found) { /* written as text by ddb.c, first member of the answer */
        struct ddb_map *item = ly_arena_alloc(c->a, sizeof *item);
        if (!item)
            return ddb_fail_store(c, LY_ENOMEM);
        *item = g.item;
        if (proj && ddb_proj_apply(proj, c->a, &g.item, item))
            return ddb_fail_store(c, LY_ENOMEM);
        c->out_item = item;
        c->out_item_name = "Item";
    }
    size_t sz = g.found ? ddb_item_size(&g.item) : 0;
    return ddb_consumed_capacity(c, c->out, r.table, ddb_read_units(sz, consistent));
}
