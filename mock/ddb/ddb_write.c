/*
 * ddb_write.c - the decide step of every conditional write (PutItem, UpdateItem,
 * DeleteItem, batch writes, transaction actions), run by the store inside the
 * write transaction: evaluate the condition against the current item, then
 * build the new item. Plus the parsing shared by the write operations.
 */
#include "ddb_internal.h"

#include <string.h>

static int apply_update(struct ddb_wop *w, struct ly_arena *a, const struct ddb_map *cur,
                        enum store_ddb_action *act, const struct ddb_map **next)
{
    if (!cur && w->upd && !ddb_update_creates_item(w->upd)) {
        w->new_item = NULL; /* REMOVE/DELETE-only updates do not create items */
        return 0;
    }
    const struct ddb_map *base = cur ? cur : w->key;
    struct ddb_map *out = ly_arena_alloc(a, sizeof *out);
    if (!out)
        return ddb_err_nomem(&w->err);
    *out = *base;
    if (w->upd) {
        int rc = ddb_update_apply(w->upd, a, base, out, &w->err);
        if (rc)
            return rc;
    }
    if (ddb_item_size(out) > DDB_ITEM_BYTES_MAX)
        return ddb_err_valid(&w->err, "Item size to update has exceeded the maximum allowed size");
    if (ddb_index_check_item(w->t, out, true, &w->err))
        return LY_EINVAL;
    *act = STORE_DDB_PUT;
    *next = w->new_item = out;
    return 0;
}

int ddb_wop_decide(void *ctx, struct ly_arena *a, const struct ddb_map *cur,
                   enum store_ddb_action *act, const struct ddb_map **next)
{
    struct ddb_wop *w = ctx;
    w->old = cur;
    w->new_item = cur;
    w->cond_failed = false;
    *act = STORE_DDB_KEEP;
    if (w->cond && !ddb_cond_eval(w->cond, cur)) {
        w->cond_failed = true;
        return LY_ECOND;
    }
    switch (w->kind) {
    case DDB_W_CHECK: return 0;
    case DDB_W_DELETE:
        *act = STORE_DDB_DELETE;
        w->new_item = NULL;
        return 0;
    case DDB_W_PUT:
        if (ddb_index_check_item(w->t, w->item, false, &w->err))
            return LY_EINVAL;
        *act = STORE_DDB_PUT;
        *next = w->new_item = w->item;
        return 0;
    case DDB_W_UPDATE: return apply_update(w, a, cur, act, next);
    }
    return LY_EINVAL;
}

int ddb_parse_condition(struct ddb_call *c, const json_t *req, struct ddb_expr_ctx *cx,
                        const struct ddb_cond **out)
{
    const json_t *ce = ddb_member(c, req, "ConditionExpression");
    const json_t *expected, *op = ddb_member(c, req, "ConditionalOperator");
    const char *s;
    *out = NULL;
    int rc = ddb_get_str(c, req, "ConditionExpression", &s);
    if (!rc)
        rc = ddb_get_obj(c, req, "Expected", &expected);
    if (!rc && op && !json_is_null(op) && !json_is_string(op))
        rc = ddb_get_str(c, req, "ConditionalOperator", &s);
    if (rc)
        return rc;
    if (ce && json_is_string(ce))
        rc = ddb_cond_parse(cx, DDB_EXPR_CONDITION, json_string_value(ce), json_string_length(ce),
                            out, &c->err);
    else if (expected)
        rc = ddb_legacy_expected(c->a, expected, json_is_null(op) ? NULL : op, out, &c->err);
    /* The ignore_conditions fault mode: validated as usual, then never evaluated. */
    if (!rc && c->req->ignore_conditions)
        *out = NULL;
    return rc;
}

int ddb_parse_rvoccf(struct ddb_call *c, const json_t *req, bool *all_old)
{
    static const char *const vals[] = {"ALL_OLD", "NONE", NULL};
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    const char *s;
    int rc = ddb_get_str(c, req, "ReturnValuesOnConditionCheckFailure", &s);
    if (rc)
        return rc;
    ddb_vlist_enum(&v, s, "returnValuesOnConditionCheckFailure", vals);
    *all_old = s && strcmp(s, "ALL_OLD") == 0;
    return ddb_vlist_check(c, &v);
}

int ddb_write_one(struct ddb_call *c, const struct ddb_table *t, const void *key, size_t key_len,
                  struct ddb_wop *w, bool all_old)
{
    struct store_ddb_op op = {t->name, t->id, key, key_len, ddb_wop_decide, w, 0};
    if (!w->t)
        w->t = t;
    int rc = store_ddb_write(c->ctx->store, &op, 1, NULL, c->a);
    if (rc == 0)
        return 0;
    if (rc == LY_ENOPARENT)
        return ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND, DDB_MSG_NOT_FOUND);
    if (rc == LY_ECOND) {
        if (all_old && w->old) {
            c->err_extra = json_pack("{s:o}", "Item", ddb_map_to_json(w->old));
            if (!c->err_extra)
                return ddb_fail_store(c, LY_ENOMEM);
        }
        return ddb_fail(c, rc, AWS_DDB_CONDITIONAL_CHECK_FAILED, DDB_MSG_COND);
    }
    if (w->err.type) {
        c->err = w->err;
        return rc;
    }
    return ddb_fail_store(c, rc);
}

double ddb_write_units(size_t bytes)
{
    size_t u = (bytes + 1023) / 1024;
    return (double)(u ? u : 1);
}

double ddb_read_units(size_t bytes, bool consistent)
{
    size_t u = (bytes + 4095) / 4096;
    return (double)(u ? u : 1) * (consistent ? 1.0 : 0.5);
}
