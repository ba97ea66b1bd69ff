/*
 * ddb_batch.c - BatchGetItem (<= 100 keys, one read snapshot) and BatchWriteItem
 * (<= 25 puts/deletes, applied in one write transaction). Nothing is ever left
 * unprocessed, so UnprocessedKeys / UnprocessedItems are always empty.
 */
#include "ddb_internal.h"

#include <string.h>

#define BATCH_GET_MAX 100
#define BATCH_WRITE_MAX 25

struct bkey {
    const char *table;
    const void *key;
    size_t key_len;
};

static bool dup_key(const struct bkey *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].table, keys[n].table) == 0 && keys[i].key_len == keys[n].key_len &&
            memcmp(keys[i].key, keys[n].key, keys[n].key_len) == 0)
            return true;
    return false;
}

static int request_items(struct ddb_call *c, const json_t **ri)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    int rc = ddb_get_obj(c, c->in, "RequestItems", ri);
    if (rc)
        return rc;
    if (!*ri)
        ddb_vlist_add(&v, NULL, "requestItems", "Member must not be null");
    else if (json_object_size(*ri) == 0)
        ddb_vlist_add(&v, "{}", "requestItems",
                      "Member must have length greater than or equal to 1");
    const char *name;
    const json_t *x;
    json_object_foreach ((json_t *)*ri, name, x)
        ddb_vlist_table_name(&v, name, "requestItems.key");
    if ((rc = ddb_vlist_check(c, &v)))
        return rc;
    return ddb_consumed_capacity(c, NULL, NULL, 0);
}

/* Adds {"TableName":t,"CapacityUnits":u} to the list when ReturnConsumedCapacity asks. */
static int capacity_item(struct ddb_call *c, json_t *list, const char *table, double units)
{
    json_t *tmp = json_object();
    int rc = tmp ? ddb_consumed_capacity(c, tmp, table, units) : ddb_fail_store(c, LY_ENOMEM);
    json_t *cc = json_object_get(tmp, "ConsumedCapacity");
    if (!rc && cc && json_array_append(list, cc))
        rc = ddb_fail_store(c, LY_ENOMEM);
    json_decref(tmp);
    return rc;
}

struct get_table {
    const char *name;
    struct ddb_table t;
    const struct ddb_proj *proj;
    bool consistent;
    size_t first, n; /* its keys in the flat get list */
};

static int parse_get_table(struct ddb_call *c, const char *name, const json_t *spec,
                           struct get_table *gt, struct store_ddb_get *gets, struct bkey *bk,
                           size_t *total)
{
    const json_t *keys, *atg;
    const char *pe;
    int consistent = 0;
    struct ddb_expr_ctx *cx;
    int rc = ddb_get_arr(c, spec, "Keys", &keys);
    if (!rc)
        rc = ddb_get_str(c, spec, "ProjectionExpression", &pe);
    if (!rc)
        rc = ddb_get_arr(c, spec, "AttributesToGet", &atg);
    if (!rc)
        rc = ddb_get_bool(c, spec, "ConsistentRead", &consistent);
    if (!rc)
        rc = ddb_expr_check_request(spec, &c->err);
    if (!rc)
        rc = ddb_expr_ctx_new(c->a, json_object_get(spec, "ExpressionAttributeNames"),
                              json_object_get(spec, "ExpressionAttributeValues"), &cx, &c->err);
    if (!rc && pe)
        rc = ddb_proj_parse(cx, pe, strlen(pe), &gt->proj, &c->err);
    else if (!rc && atg)
        rc = ddb_legacy_attributes_to_get(c->a, atg, &gt->proj, &c->err);
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &c->err);
    if (!rc && json_array_size(keys) == 0)
        rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                      "1 validation error detected: Value '[]' at 'requestItems.%s.member.keys' "
                      "failed to satisfy constraint: Member must have length greater than or "
                      "equal to 1",
                      name);
    if (!rc)
        rc = ddb_table_load(c, name, false, &gt->t);
    gt->name = name;
    gt->consistent = consistent;
    gt->first = *total;
    for (size_t i = 0; !rc && i < json_array_size(keys); i++) {
        struct ddb_map k;
        if (*total >= BATCH_GET_MAX)
            return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                            "Too many items requested for the BatchGetItem call");
        struct store_ddb_get *g = &gets[*total];
        rc = ddb_map_parse(c, json_array_get(keys, i), &k);
        if (!rc)
            rc = ddb_key_check(&gt->t.ks, &k, &c->err);
        if (!rc)
            rc = ddb_key_encode(c, &gt->t.ks, &k, &g->key, &g->key_len);
        g->table = gt->t.name;
        g->table_id = gt->t.id;
        bk[*total] = (struct bkey){name, g->key, g->key_len};
        if (!rc && dup_key(bk, *total))
            rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                          "Provided list of item keys contains duplicates");
        (*total)++;
    }
    gt->n = *total - gt->first;
    return rc;
}

static int batch_get_answer(struct ddb_call *c, struct get_table *gts, size_t nt,
                            struct store_ddb_get *gets)
{
    json_t *resp = json_object(), *caps = json_array();
    int rc = resp && caps ? 0 : ddb_fail_store(c, LY_ENOMEM);
    for (size_t i = 0; !rc && i < nt; i++) {
        json_t *list = json_array();
        size_t bytes = 0;
        for (size_t k = gts[i].first; list && k < gts[i].first + gts[i].n; k++) {
            struct ddb_map item = gets[k].item;
            if (!gets[k].found)
                continue;
            bytes += ddb_item_size(&item);
            if (gts[i].proj && ddb_proj_apply(gts[i].proj, c->a, &gets[k].item, &item))
                break;
            json_array_append_new(list, ddb_map_to_json(&item));
        }
        rc = ddb_set(c, resp, gts[i].name, list);
        if (!rc)
            rc = capacity_item(c, caps, gts[i].name, ddb_read_units(bytes, gts[i].consistent));
    }
    c->out = json_object();
    if (!rc)
        rc = c->out ? ddb_set(c, c->out, "Responses", json_incref(resp))
                    : ddb_fail_store(c, LY_ENOMEM);
    if (!rc)
        rc = ddb_set(c, c->out, "UnprocessedKeys", json_object());
    if (!rc && json_array_size(caps))
        rc = ddb_set(c, c->out, "ConsumedCapacity", json_incref(caps));
    json_decref(resp);
    json_decref(caps);
    return rc;
}

int ddb_op_batch_get(struct ddb_call *c)
{
    const json_t *ri, *spec;
    const char *name;
    int rc = request_items(c, &ri);
    if (rc)
        return rc;
    size_t nt = json_object_size(ri), total = 0, i = 0;
    struct get_table *gts = ly_arena_calloc(c->a, nt * sizeof *gts);
    struct store_ddb_get *gets = ly_arena_calloc(c->a, (BATCH_GET_MAX + 1) * sizeof *gets);
    struct bkey *bk = ly_arena_calloc(c->a, (BATCH_GET_MAX + 1) * sizeof *bk);
    if (!gts || !gets || !bk)
        return ddb_fail_store(c, LY_ENOMEM);
    json_object_foreach ((json_t *)ri, name, spec) {
        if (!json_is_object(spec))
            return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected map or null");
        if ((rc = parse_get_table(c, name, spec, &gts[i++], gets, bk, &total)))
            return rc;
    }
    rc = store_ddb_get(c->ctx->store, gets, total, c->a);
    if (rc == LY_ENOPARENT)
        return ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND, DDB_MSG_NOT_FOUND);
    if (rc)
        return ddb_fail_store(c, rc);
    return batch_get_answer(c, gts, nt, gets);
}

/* One PutRequest / DeleteRequest into op + wop. */
static int parse_write_req(struct ddb_call *c, const json_t *req, const struct ddb_table *t,
                           struct store_ddb_op *op, struct ddb_wop *w, double *units)
{
    const json_t *put = json_object_get(req, "PutRequest");
    const json_t *del = json_object_get(req, "DeleteRequest");
    struct ddb_map *m = ly_arena_alloc(c->a, sizeof *m);
    int rc = m ? 0 : ddb_fail_store(c, LY_ENOMEM);
    if (!rc && (!json_is_object(req) || (put != NULL) == (del != NULL)))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Supplied AttributeValue has more than one datatypes set, must contain "
                        "exactly one of the supported datatypes");
    if (!rc)
        rc = ddb_map_parse(c, json_object_get(put ? put : del, put ? "Item" : "Key"), m);
    if (!rc)
        rc = put ? ddb_item_check_keys(&t->ks, m, &c->err) : ddb_key_check(&t->ks, m, &c->err);
    if (!rc && put && ddb_item_size(m) > DDB_ITEM_BYTES_MAX)
        rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                      "Item size has exceeded the maximum allowed size");
    if (!rc && put)
        rc = ddb_index_check_item(t, m, false, &c->err);
    if (!rc)
        rc = ddb_key_encode(c, &t->ks, m, &op->key, &op->key_len);
    if (rc)
        return rc;
    *w = (struct ddb_wop){.kind = put ? DDB_W_PUT : DDB_W_DELETE, .item = m};
    *op = (struct store_ddb_op){t->name, t->id, op->key, op->key_len, ddb_wop_decide, w, 0};
    *units += ddb_write_units(put ? ddb_item_size(m) : 0);
    return 0;
}

int ddb_op_batch_write(struct ddb_call *c)
{
    const json_t *ri, *list;
    const char *name;
    size_t n = 0;
    int rc = request_items(c, &ri);
    if (rc)
        return rc;
    struct store_ddb_op *ops = ly_arena_calloc(c->a, (BATCH_WRITE_MAX + 1) * sizeof *ops);
    struct ddb_wop *ws = ly_arena_calloc(c->a, (BATCH_WRITE_MAX + 1) * sizeof *ws);
    struct bkey *bk = ly_arena_calloc(c->a, (BATCH_WRITE_MAX + 1) * sizeof *bk);
    json_t *caps = json_array();
    json_array_append_new(c->keep, caps);
    if (!ops || !ws || !bk || !caps)
        return ddb_fail_store(c, LY_ENOMEM);
    json_object_foreach ((json_t *)ri, name, list) {
        struct ddb_table t;
        double units = 0;
        if (!json_is_array(list))
            return ddb_fail(c, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected list or null");
        if ((rc = ddb_table_load(c, name, false, &t)))
            return rc;
        for (size_t i = 0; i < json_array_size(list); i++, n++) {
            if (n >= BATCH_WRITE_MAX)
                return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                                "Too many items requested for the BatchWriteItem call");
            rc = parse_write_req(c, json_array_get(list, i), &t, &ops[n], &ws[n], &units);
            if (rc)
                return rc;
            bk[n] = (struct bkey){name, ops[n].key, ops[n].key_len};
            if (dup_key(bk, n))
                return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                                "Provided list of item keys contains duplicates");
        }
        if ((rc = capacity_item(c, caps, name, units)))
            return rc;
    }
    rc = store_ddb_write(c->ctx->store, ops, n, NULL, c->a);
    if (rc == LY_ENOPARENT)
        return ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND, DDB_MSG_NOT_FOUND);
    if (rc)
        return ddb_fail_store(c, rc);
    c->out = json_object();
    rc = c->out ? ddb_set(c, c->out, "UnprocessedItems", json_object())
                : ddb_fail_store(c, LY_ENOMEM);
    if (!rc && json_array_size(caps))
        rc = ddb_set(c, c->out, "ConsumedCapacity", json_incref(caps));
    return rc;
}
