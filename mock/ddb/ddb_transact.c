/*
 * ddb_transact.c - TransactWriteItems and TransactGetItems.
 *
 * TransactWriteItems validates every action (expression and structural errors
 * are top-level ValidationExceptions; key-schema errors become the first
 * ValidationError cancellation reason), then runs all of them as ONE store
 * write transaction: every condition is evaluated against the committed
 * state, and either every write is applied or none. Failures answer
 * TransactionCanceledException with one reason per action, in request order
 * ("None" for those that passed). ClientRequestToken makes a request
 * idempotent for 10 minutes (same payload: success without re-applying;
 * another payload: IdempotentParameterMismatchException).
 */
#include "ddb_internal.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRANSACT_MAX 100
#define TOKEN_TTL_MS (10 * 60 * 1000)
#define TRANSACT_BYTES_MAX ((size_t)4 << 20)
#define MSG_TOO_LARGE "Transaction request cannot be larger than 4 MB"

enum { A_CHECK, A_PUT, A_DELETE, A_UPDATE };
static const char *const action_names[] = {"ConditionCheck", "Put", "Delete", "Update"};

struct action {
    int kind;
    const json_t *spec;
    struct ddb_table t;
    struct ddb_map map; /* Item (Put) or Key */
    bool rvoccf_all_old;
    struct ddb_wop w;
    struct ddb_err reason; /* a ValidationError reason, type NULL if none */
};

static int items_list(struct ddb_call *c, const json_t **items)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    int rc = ddb_get_arr(c, c->in, "TransactItems", items);
    if (rc)
        return rc;
    size_t n = json_array_size(*items);
    if (!*items)
        ddb_vlist_add(&v, NULL, "transactItems", "Member must not be null");
    else if (n < 1)
        ddb_vlist_add(&v, "[]", "transactItems",
                      "Member must have length greater than or equal to 1");
    else if (n > TRANSACT_MAX)
        ddb_vlist_add(&v, "[...]", "transactItems",
                      "Member must have length less than or equal to 100");
    if ((rc = ddb_vlist_check(c, &v)))
        return rc;
    return ddb_consumed_capacity(c, NULL, NULL, 0);
}

/* Which one of the action members a TransactItems entry holds. */
static int action_kind(struct ddb_call *c, const json_t *entry, int *kind, const json_t **spec)
{
    int found = 0;
    for (int k = 0; k < 4; k++) {
        const json_t *s = json_object_get(entry, action_names[k]);
        if (s && !json_is_null(s)) {
            *kind = k;
            *spec = s;
            found++;
        }
    }
    if (found != 1 || !json_is_object(*spec))
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "TransactItems can only contain one of Check, Put, Update or Delete");
    return 0;
}

/* Expressions of one action (top-level errors). */
static int action_exprs(struct ddb_call *c, struct action *x)
{
    struct ddb_expr_ctx *cx;
    const json_t *ue = json_object_get(x->spec, "UpdateExpression");
    int rc = ddb_expr_check_request(x->spec, &c->err);
    if (!rc)
        rc = ddb_expr_ctx_new(c->a, json_object_get(x->spec, "ExpressionAttributeNames"),
                              json_object_get(x->spec, "ExpressionAttributeValues"), &cx, &c->err);
    if (!rc && x->kind == A_UPDATE && !json_is_string(ue))
        rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                      "1 validation error detected: Value null at 'transactItems.1.member.update."
                      "updateExpression' failed to satisfy constraint: Member must not be null");
    if (!rc && x->kind == A_UPDATE)
        rc =
            ddb_update_parse(cx, json_string_value(ue), json_string_length(ue), &x->w.upd, &c->err);
    if (!rc)
        rc = ddb_parse_condition(c, x->spec, cx, &x->w.cond);
    if (!rc && x->kind == A_CHECK && !x->w.cond)
        rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                      "The ConditionExpression parameter is required for ConditionCheck");
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &c->err);
    return rc;
}

/* Keys against the schema: empty key values are top-level, other mismatches a reason. */
static int action_keys(struct ddb_call *c, struct action *x)
{
    struct ddb_err e;
    /* A Put's size is known from the request: a top-level error, not a reason (DynamoDB). */
    if (x->kind == A_PUT && ddb_item_size(&x->map) > DDB_ITEM_BYTES_MAX)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "Item size has exceeded the maximum allowed size");
    int rc = x->kind == A_PUT ? ddb_item_check_keys(&x->t.ks, &x->map, &e)
                              : ddb_key_check(&x->t.ks, &x->map, &e);
    if (!rc && x->w.upd)
        rc = ddb_update_check_keys(x->w.upd, &x->t.ks, &e);
    if (!rc)
        return 0;
    static const char empty_key[] = "One or more parameter values are not valid.";
    if (strncmp(e.msg, empty_key, sizeof empty_key - 1) == 0) {
        c->err = e;
        return rc;
    }
    x->reason = e;
    return 0;
}

static int parse_action(struct ddb_call *c, const json_t *entry, struct action *x)
{
    const char *table;
    const json_t *jmap;
    int rc = action_kind(c, entry, &x->kind, &x->spec);
    if (!rc)
        rc = ddb_get_str(c, x->spec, "TableName", &table);
    if (!rc)
        rc = ddb_get_obj(c, x->spec, x->kind == A_PUT ? "Item" : "Key", &jmap);
    if (!rc)
        rc = ddb_parse_rvoccf(c, x->spec, &x->rvoccf_all_old);
    if (!rc && !table)
        rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                      "1 validation error detected: Value null at 'transactItems.1.member.%s."
                      "tableName' failed to satisfy constraint: Member must not be null",
                      x->kind == A_CHECK    ? "conditionCheck"
                      : x->kind == A_PUT    ? "put"
                      : x->kind == A_DELETE ? "delete"
                                            : "update");
    if (!rc)
        rc = ddb_map_parse(c, jmap, &x->map);
    if (!rc)
        rc = action_exprs(c, x);
    if (!rc)
        rc = ddb_table_load(c, table, false, &x->t);
    if (!rc)
        rc = action_keys(c, x);
    static const enum ddb_wkind kinds[] = {DDB_W_CHECK, DDB_W_PUT, DDB_W_DELETE, DDB_W_UPDATE};
    x->w.kind = kinds[x->kind];
    x->w.item = &x->map;
    x->w.key = &x->map;
    x->w.t = &x->t;
    return rc;
}

static json_t *reason_json(const struct action *x, const struct store_ddb_op *op)
{
    if (x->reason.type)
        return json_pack("{s:s, s:s}", "Code", "ValidationError", "Message", x->reason.msg);
    if (op && op->rc == LY_ECOND) {
        json_t *r =
            json_pack("{s:s, s:s}", "Code", "ConditionalCheckFailed", "Message", DDB_MSG_COND);
        if (r && x->rvoccf_all_old && x->w.old)
            json_object_set_new(r, "Item", ddb_map_to_json(x->w.old));
        return r;
    }
    if (op && op->rc && x->w.err.type)
        return json_pack("{s:s, s:s}", "Code", "ValidationError", "Message", x->w.err.msg);
    return json_pack("{s:s}", "Code", "None");
}

/* TransactionCanceledException with reasons in request order. */
static int cancel(struct ddb_call *c, struct action *xs, struct store_ddb_op *ops, size_t n)
{
    char codes[DDB_ERR_MSG_MAX / 2];
    size_t o = 0;
    json_t *reasons = json_array();
    for (size_t i = 0; reasons && i < n; i++) {
        json_t *r = reason_json(&xs[i], ops ? &ops[i] : NULL);
        const char *code = json_string_value(json_object_get(r, "Code"));
        int w = snprintf(codes + o, sizeof codes - o, "%s%s", i ? ", " : "", code ? code : "");
        if (w > 0 && (size_t)w < sizeof codes - o)
            o += (size_t)w;
        if (!r || json_array_append_new(reasons, r))
            break;
    }
    c->err_extra = json_pack("{s:o}", "CancellationReasons", reasons);
    if (!c->err_extra)
        return ddb_fail_store(c, LY_ENOMEM);
    return ddb_fail(c, LY_ECOND, AWS_DDB_TRANSACTION_CANCELED,
                    "Transaction cancelled, please refer cancellation reasons for specific "
                    "reasons [%s]",
                    codes);
}

static int token_arg(struct ddb_call *c, const char **token)
{
    struct ddb_vlist v;
    ddb_vlist_init(&v);
    int rc = ddb_get_str(c, c->in, "ClientRequestToken", token);
    if (rc || !*token)
        return rc;
    size_t n = strlen(*token);
    if (n < 1)
        ddb_vlist_add(&v, *token, "clientRequestToken",
                      "Member must have length greater than or equal to 1");
    if (n > 36)
        ddb_vlist_add(&v, *token, "clientRequestToken",
                      "Member must have length less than or equal to 36");
    return ddb_vlist_check(c, &v);
}

/*
 * "The aggregate size of the items in the transaction cannot exceed 4 MB": a Put counts its
 * item, the other actions the key they name (what the request carries; an Update's result is
 * only known inside the transaction). DynamoDB's wording for this refusal is unconfirmed.
 */
static int aggregate_size(struct ddb_call *c, const struct action *xs, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += ddb_item_size(&xs[i].map);
    if (total <= TRANSACT_BYTES_MAX)
        return 0;
    return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, MSG_TOO_LARGE);
}

/* Encodes every action's key; a second action on one item is a top-level error. */
static int action_targets(struct ddb_call *c, struct action *xs, struct store_ddb_op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct action *x = &xs[i];
        int rc = 0;
        if (!x->reason.type)
            rc = ddb_key_encode(c, &x->t.ks, &x->map, &ops[i].key, &ops[i].key_len);
        if (rc)
            return rc;
        ops[i] = (struct store_ddb_op){x->t.name,      x->t.id, ops[i].key, ops[i].key_len,
                                       ddb_wop_decide, &x->w,   0};
        for (size_t k = 0; k < i && !x->reason.type; k++)
            if (!xs[k].reason.type && xs[k].t.id == x->t.id && ops[k].key_len == ops[i].key_len &&
                memcmp(ops[k].key, ops[i].key, ops[i].key_len) == 0)
                return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                                "Transaction request cannot include multiple operations on one "
                                "item");
    }
    return 0;
}

/* Validation reasons cancel before anything runs; only the first one is reported. */
static int validation_cancel(struct ddb_call *c, struct action *xs, size_t n)
{
    bool seen = false;
    for (size_t i = 0; i < n; i++) {
        if (xs[i].reason.type && seen)
            xs[i].reason.type = AWS_ERR_NONE;
        seen = seen || xs[i].reason.type;
    }
    return seen ? cancel(c, xs, NULL, n) : 0;
}

static int run_transaction(struct ddb_call *c, struct action *xs, struct store_ddb_op *ops,
                           size_t n, const char *token)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    struct store_ddb_token tok = {token, md, 0, c->req->now_ms, TOKEN_TTL_MS};
    if (token) {
        char *canon = json_dumps(c->in, JSON_SORT_KEYS | JSON_COMPACT);
        int ok = canon && EVP_Digest(canon, strlen(canon), md, &mdn, EVP_sha256(), NULL);
        free(canon);
        if (!ok)
            return ddb_fail_store(c, LY_ENOMEM);
        tok.digest_len = mdn;
    }
    int rc = store_ddb_write(c->ctx->store, ops, n, token ? &tok : NULL, c->a);
    if (rc == 0 || rc == LY_EEXIST)
        return 0;
    if (rc == LY_ECONFLICT)
        return ddb_fail(c, rc, AWS_DDB_IDEMPOTENT_PARAMETER_MISMATCH,
                        "Request parameters do not match the original request that used the "
                        "same ClientRequestToken");
    if (rc == LY_ENOPARENT)
        return ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND, DDB_MSG_NOT_FOUND);
    if (rc == LY_ECOND || rc == LY_EINVAL)
        return cancel(c, xs, ops, n);
    return ddb_fail_store(c, rc);
}

int ddb_op_transact_write(struct ddb_call *c)
{
    const json_t *items;
    const char *token;
    int rc = items_list(c, &items);
    if (!rc)
        rc = token_arg(c, &token);
    if (rc)
        return rc;
    size_t n = json_array_size(items);
    struct action *xs = ly_arena_calloc(c->a, n * sizeof *xs);
    struct store_ddb_op *ops = ly_arena_calloc(c->a, n * sizeof *ops);
    if (!xs || !ops)
        return ddb_fail_store(c, LY_ENOMEM);
    for (size_t i = 0; !rc && i < n; i++)
        rc = parse_action(c, json_array_get(items, i), &xs[i]);
    if (!rc)
        rc = aggregate_size(c, xs, n);
    if (!rc)
        rc = action_targets(c, xs, ops, n);
    if (!rc)
        rc = validation_cancel(c, xs, n);
    if (!rc)
        rc = run_transaction(c, xs, ops, n, token);
    if (rc)
        return rc;
    c->out = json_object();
    if (!c->out)
        return ddb_fail_store(c, LY_ENOMEM);
    json_t *caps = json_array();
    double units = 0;
    for (size_t i = 0; i < n; i++)
        units += 2 * ddb_write_units(xs[i].w.new_item ? ddb_item_size(xs[i].w.new_item) : 0);
    json_t *tmp = json_object();
    rc = tmp && caps ? ddb_consumed_capacity(c, tmp, xs[0].t.name, units)
                     : ddb_fail_store(c, LY_ENOMEM);
    if (!rc && json_object_get(tmp, "ConsumedCapacity")) {
        json_array_append(caps, json_object_get(tmp, "ConsumedCapacity"));
        rc = ddb_set(c, c->out, "ConsumedCapacity", json_incref(caps));
    }
    json_decref(tmp);
    json_decref(caps);
    return rc;
}

/* A Get's key: an empty key value is top-level, another mismatch the action's ValidationError
 * reason (DynamoDB cancels a Get whose Key lacks the key attribute). */
static int get_key(struct ddb_call *c, const struct ddb_table *t, const struct ddb_map *key,
                   struct store_ddb_get *g, struct ddb_err *reason)
{
    static const char empty_key[] = "One or more parameter values are not valid.";
    struct ddb_err e;
    int rc = ddb_key_check(&t->ks, key, &e);
    if (!rc)
        return ddb_key_encode(c, &t->ks, key, &g->key, &g->key_len);
    if (strncmp(e.msg, empty_key, sizeof empty_key - 1) == 0) {
        c->err = e;
        return rc;
    }
    *reason = e;
    return 0;
}

static int parse_get(struct ddb_call *c, const json_t *entry, struct store_ddb_get *g,
                     const struct ddb_proj **proj, struct ddb_err *reason)
{
    const json_t *spec = json_object_get(entry, "Get"), *jkey;
    const char *table, *pe;
    struct ddb_expr_ctx *cx;
    struct ddb_table t;
    struct ddb_map key;
    if (!json_is_object(spec) || json_object_size(entry) != 1)
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                        "1 validation error detected: Value null at 'transactItems.1.member.get' "
                        "failed to satisfy constraint: Member must not be null");
    int rc = ddb_get_str(c, spec, "TableName", &table);
    if (!rc)
        rc = ddb_get_obj(c, spec, "Key", &jkey);
    if (!rc)
        rc = ddb_get_str(c, spec, "ProjectionExpression", &pe);
    if (!rc)
        rc = ddb_map_parse(c, jkey, &key);
    if (!rc)
        rc = ddb_expr_check_request(spec, &c->err);
    if (!rc)
        rc = ddb_expr_ctx_new(c->a, json_object_get(spec, "ExpressionAttributeNames"),
                              json_object_get(spec, "ExpressionAttributeValues"), &cx, &c->err);
    if (!rc && pe)
        rc = ddb_proj_parse(cx, pe, strlen(pe), proj, &c->err);
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &c->err);
    if (!rc && !table)
        rc = ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION,
                      "1 validation error detected: Value null at 'transactItems.1.member.get."
                      "tableName' failed to satisfy constraint: Member must not be null");
    if (!rc)
        rc = ddb_table_load(c, table, false, &t);
    if (!rc)
        rc = get_key(c, &t, &key, g, reason);
    g->table = t.name;
    g->table_id = t.id;
    return rc;
}

int ddb_op_transact_get(struct ddb_call *c)
{
    const json_t *items;
    int rc = items_list(c, &items);
    if (rc)
        return rc;
    size_t n = json_array_size(items);
    struct store_ddb_get *gets = ly_arena_calloc(c->a, n * sizeof *gets);
    const struct ddb_proj **projs = ly_arena_calloc(c->a, n * sizeof *projs);
    struct action *xs = ly_arena_calloc(c->a, n * sizeof *xs); /* only their reasons */
    if (!gets || !projs || !xs)
        return ddb_fail_store(c, LY_ENOMEM);
    for (size_t i = 0; !rc && i < n; i++)
        rc = parse_get(c, json_array_get(items, i), &gets[i], &projs[i], &xs[i].reason);
    if (!rc)
        rc = validation_cancel(c, xs, n);
    if (!rc && (rc = store_ddb_get(c->ctx->store, gets, n, c->a)))
        return rc == LY_ENOPARENT ? ddb_fail(c, rc, AWS_DDB_RESOURCE_NOT_FOUND, DDB_MSG_NOT_FOUND)
                                  : ddb_fail_store(c, rc);
    if (rc)
        return rc;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += gets[i].found ? ddb_item_size(&gets[i].item) : 0;
    if (total > TRANSACT_BYTES_MAX) /* "the aggregate size of the items ... exceeded 4 MB" */
        return ddb_fail(c, LY_EINVAL, AWS_DDB_VALIDATION, MSG_TOO_LARGE);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        struct ddb_map item = gets[i].item;
        json_t *r = json_object();
        if (gets[i].found && projs[i] && ddb_proj_apply(projs[i], c->a, &gets[i].item, &item))
            return json_decref(r), json_decref(list), ddb_fail_store(c, LY_ENOMEM);
        if (r && gets[i].found)
            json_object_set_new(r, "Item", ddb_map_to_json(&item));
        json_array_append_new(list, r);
    }
    c->out = json_object();
    return c->out ? ddb_set(c, c->out, "Responses", list) : ddb_fail_store(c, LY_ENOMEM);
}
