/*
 * ddb_expr_ctx.c - a request's ExpressionAttributeNames / Values: validation,
 * lookup bookkeeping and the unused-placeholder check, plus the request-level
 * rule against mixing legacy and expression parameters (see ddb_expr.h).
 * Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

#include <stdio.h>
#include <string.h>

/* The request members the rules below look at, by bit: found in one pass over the request
 * (a handful of members) instead of a hash lookup per name. */
enum {
    P_ATTRIBUTES_TO_GET,
    P_QUERY_FILTER,
    P_SCAN_FILTER,
    P_KEY_CONDITIONS,
    P_EXPECTED,
    P_ATTRIBUTE_UPDATES,
    P_CONDITIONAL_OPERATOR,
    P_PROJECTION_EXPRESSION,
    P_FILTER_EXPRESSION,
    P_KEY_CONDITION_EXPRESSION,
    P_CONDITION_EXPRESSION,
    P_UPDATE_EXPRESSION,
    P_NAMES,
    P_VALUES,
    P_COUNT_
};
#define NAME(s)         \
    {                   \
        s, sizeof s - 1 \
    }
static const struct {
    const char *s;
    size_t len;
} member_names[P_COUNT_] = {NAME("AttributesToGet"),
                            NAME("QueryFilter"),
                            NAME("ScanFilter"),
                            NAME("KeyConditions"),
                            NAME("Expected"),
                            NAME("AttributeUpdates"),
                            NAME("ConditionalOperator"),
                            NAME("ProjectionExpression"),
                            NAME("FilterExpression"),
                            NAME("KeyConditionExpression"),
                            NAME("ConditionExpression"),
                            NAME("UpdateExpression"),
                            NAME("ExpressionAttributeNames"),
                            NAME("ExpressionAttributeValues")};
#undef NAME

/* The bits of the members of req that are present and not null. */
static unsigned present_members(const json_t *req)
{
    unsigned bits = 0;
    const char *k;
    size_t len;
    const json_t *v;
    json_object_keylen_foreach ((json_t *)req, k, len, v) {
        if (json_is_null(v))
            continue;
        for (unsigned i = 0; i < P_COUNT_; i++)
            if (member_names[i].len == len && memcmp(k, member_names[i].s, len) == 0)
                bits |= 1u << i;
    }
    return bits;
}

#define HAS(bits, p) (((bits) >> (p)) & 1u)

/* Appends the present members of list to buf as "A, B"; returns how many. */
static int list_present(unsigned bits, const unsigned char *list, size_t n, char *buf, size_t cap)
{
    int count = 0;
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!HAS(bits, list[i]))
            continue;
        const char *name = member_names[list[i]].s;
        size_t need = (count ? 2 : 0) + member_names[list[i]].len;
        if (need < cap - o) {
            if (count)
                memcpy(buf + o, ", ", 2);
            memcpy(buf + o + (count ? 2 : 0), name, need - (count ? 2 : 0) + 1);
            o += need;
        }
        count++;
    }
    return count;
}

/* ConditionalOperator needs a legacy filter (Expected, QueryFilter, ScanFilter). */
static int check_conditional_operator(unsigned bits, struct ddb_err *err)
{
    if (!HAS(bits, P_CONDITIONAL_OPERATOR) || HAS(bits, P_EXPECTED) || HAS(bits, P_QUERY_FILTER) ||
        HAS(bits, P_SCAN_FILTER))
        return 0;
    return ddb_err_valid(err, "ConditionalOperator cannot be used without Filter or Expected");
}

int ddb_expr_check_request(const json_t *req, struct ddb_err *err)
{
    /* KeyConditions may go with expressions other than KeyConditionExpression (DynamoDB) */
    static const unsigned char legacy[] = {
        P_ATTRIBUTES_TO_GET, P_QUERY_FILTER,      P_SCAN_FILTER,         P_KEY_CONDITIONS,
        P_EXPECTED,          P_ATTRIBUTE_UPDATES, P_CONDITIONAL_OPERATOR};
    static const unsigned char expr[] = {P_PROJECTION_EXPRESSION, P_FILTER_EXPRESSION,
                                         P_KEY_CONDITION_EXPRESSION, P_CONDITION_EXPRESSION,
                                         P_UPDATE_EXPRESSION};
    static const unsigned char legacy_no_kc[] = {P_ATTRIBUTES_TO_GET, P_QUERY_FILTER,
                                                 P_SCAN_FILTER,       P_EXPECTED,
                                                 P_ATTRIBUTE_UPDATES, P_CONDITIONAL_OPERATOR};
    char lbuf[256], ebuf[256];
    unsigned bits = present_members(req);
    int kc_alone = !HAS(bits, P_KEY_CONDITION_EXPRESSION);
    int nl = kc_alone ? list_present(bits, legacy_no_kc, sizeof legacy_no_kc, lbuf, sizeof lbuf)
                      : list_present(bits, legacy, sizeof legacy, lbuf, sizeof lbuf);
    int ne = list_present(bits, expr, sizeof expr, ebuf, sizeof ebuf);
    if (nl && ne)
        return ddb_err_valid(err,
                             "Can not use both expression and non-expression parameters in "
                             "the same request: Non-expression parameters: {%s} Expression "
                             "parameters: {%s}",
                             lbuf, ebuf);
    if (check_conditional_operator(bits, err))
        return LY_EINVAL;
    if (!ne && HAS(bits, P_NAMES))
        return ddb_err_valid(err, "ExpressionAttributeNames can only be specified when using "
                                  "expressions");
    if (!ne && HAS(bits, P_VALUES))
        return ddb_err_valid(err, "ExpressionAttributeValues can only be specified when using "
                                  "expressions");
    return 0;
}

static bool key_ok(const char *k, size_t len, char sigil)
{
    if (len < 2 || len > DDB_EXPR_TOKEN_BYTES_MAX + 1 || k[0] != sigil)
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static int names_load(struct ddb_expr_ctx *cx, const json_t *names, struct ddb_err *err)
{
    if (!json_is_object(names))
        return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected map or null");
    size_t n = json_object_size(names), i = 0;
    if (n == 0)
        return ddb_err_valid(err, "ExpressionAttributeNames must not be empty");
    cx->names = ly_arena_calloc(cx->a, n * sizeof(*cx->names));
    if (!cx->names)
        return ddb_err_nomem(err);
    const char *key;
    size_t klen;
    json_t *v;
    json_object_keylen_foreach ((json_t *)names, key, klen, v) {
        if (!key_ok(key, klen, '#'))
            return ddb_err_valid(err,
                                 "ExpressionAttributeNames contains invalid key: Syntax "
                                 "error; key: \"%.*s\"",
                                 (int)(klen > 300 ? 300 : klen), key);
        if (!json_is_string(v))
            return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION,
                               "%s cannot be converted to String",
                               json_is_number(v) ? "NUMBER_VALUE" : "BOOLEAN_VALUE");
        struct dname *d = &cx->names[i++];
        d->key_len = klen;
        d->key = ly_arena_strndup(cx->a, key, klen);
        d->val_len = json_string_length(v);
        d->val = ly_arena_memdup(cx->a, json_string_value(v), d->val_len + 1);
        if (!d->key || !d->val)
            return ddb_err_nomem(err);
        if (d->val_len == 0)
            return ddb_err_valid(err,
                                 "ExpressionAttributeNames contains invalid value: Empty "
                                 "attribute name for key %s",
                                 key);
    }
    cx->nnames = i;
    return 0;
}

static int values_load(struct ddb_expr_ctx *cx, const json_t *values, struct ddb_err *err)
{
    if (!json_is_object(values))
        return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected map or null");
    size_t n = json_object_size(values), i = 0;
    if (n == 0)
        return ddb_err_valid(err, "ExpressionAttributeValues must not be empty");
    cx->values = ly_arena_calloc(cx->a, n * sizeof(*cx->values));
    if (!cx->values)
        return ddb_err_nomem(err);
    const char *key;
    size_t klen;
    json_t *v;
    json_object_keylen_foreach ((json_t *)values, key, klen, v) {
        if (!key_ok(key, klen, ':'))
            return ddb_err_valid(err,
                                 "ExpressionAttributeValues contains invalid key: Syntax "
                                 "error; key: \"%.*s\"",
                                 (int)(klen > 300 ? 300 : klen), key);
        struct dvalue *d = &cx->values[i++];
        struct ddb_err inner;
        d->key = ly_arena_strndup(cx->a, key, klen);
        d->key_len = klen;
        if (!d->key)
            return ddb_err_nomem(err);
        int rc = ddb_val_from_json(cx->a, v, &d->v, &inner);
        if (rc == LY_EINVAL && inner.type == AWS_DDB_VALIDATION)
            return ddb_err_valid(err,
                                 "ExpressionAttributeValues contains invalid value: %s for "
                                 "key %s",
                                 inner.msg, key);
        if (rc) {
            if (err)
                *err = inner;
            return rc;
        }
    }
    cx->nvalues = i;
    return 0;
}

int ddb_expr_ctx_new(struct ly_arena *a, const json_t *names, const json_t *values,
                     struct ddb_expr_ctx **out, struct ddb_err *err)
{
    struct ddb_expr_ctx *cx = ly_arena_calloc(a, sizeof(*cx));
    int rc = 0;
    *out = NULL;
    if (!cx)
        return ddb_err_nomem(err);
    cx->a = a;
    if (names && !json_is_null(names))
        rc = names_load(cx, names, err);
    if (!rc && values && !json_is_null(values))
        rc = values_load(cx, values, err);
    if (!rc)
        *out = cx;
    return rc;
}

int ddb_expr_ctx_finish(const struct ddb_expr_ctx *cx, struct ddb_err *err)
{
    char buf[DDB_ERR_MSG_MAX / 2];
    size_t o = 0;
    int count = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass ? cx->nvalues : cx->nnames;
        for (size_t i = 0; i < n; i++) {
            bool used = pass ? cx->values[i].used : cx->names[i].used;
            const char *key = pass ? cx->values[i].key : cx->names[i].key;
            if (used)
                continue;
            int w = snprintf(buf + o, sizeof(buf) - o, "%s%s", count ? ", " : "", key);
            if (w > 0 && (size_t)w < sizeof(buf) - o)
                o += (size_t)w;
            count++;
        }
        if (count)
            return ddb_err_valid(err,
                                 "Value provided in ExpressionAttribute%s unused in "
                                 "expressions: keys: {%s}",
                                 pass ? "Values" : "Names", buf);
    }
    return 0;
}
