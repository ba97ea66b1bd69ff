/*
 * ddb_legacy.c - the pre-expression parameters, converted into the same
 * condition / update / projection objects the expression parser builds:
 * Expected (+ ConditionalOperator), AttributeUpdates and AttributesToGet.
 * Messages follow DynamoDB's legacy-parameter texts. Pure: no I/O.
 */
#include "ddb_expr_int.h"

#include <string.h>

#define P "One or more parameter values were invalid: "

static struct dnode *mk(struct ly_arena *a, enum dkind kind, struct dnode **kids, size_t n)
{
    struct dnode *d = ly_arena_calloc(a, sizeof(*d));
    if (!d)
        return NULL;
    d->kind = kind;
    if (n) {
        d->kids = ly_arena_memdup(a, kids, n * sizeof(*kids));
        if (!d->kids)
            return NULL;
        d->nkids = n;
    }
    return d;
}

static int mk_path(struct ly_arena *a, const char *name, size_t len, struct dpath *out)
{
    struct dpath_elem *e = ly_arena_calloc(a, sizeof(*e));
    if (!e || !(e->name = ly_arena_strndup(a, name, len)))
        return LY_ENOMEM;
    e->raw = e->name;
    e->raw_len = e->len = len;
    out->e = e;
    out->n = 1;
    return 0;
}

static struct dnode *mk_path_node(struct ly_arena *a, const char *name, size_t len)
{
    struct dnode *d = mk(a, DN_PATH, NULL, 0);
    return (d && !mk_path(a, name, len, &d->path)) ? d : NULL;
}

static struct dnode *mk_func(struct ly_arena *a, enum dfunc f, const char *fname,
                             struct dnode **kids, size_t n)
{
    struct dnode *d = mk(a, DN_FUNC, kids, n);
    if (d) {
        d->func = f;
        d->ref = fname;
        d->ref_len = strlen(fname);
    }
    return d;
}

static const char *const cmp_ops[] = {
    "EQ",   "NE",       "LE",           "LT",          "GE", "GT",     "NOT_NULL",
    "NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"};

/* Required AttributeValueList length per operator: -1 = at least one. */
static int op_arity(int op)
{
    return op <= 5 || (op >= 8 && op <= 10) ? 1 : op <= 7 ? 0 : op == 11 ? -1 : 2;
}

static bool op_type_ok(int op, enum ddb_type t)
{
    bool scalar = t == DDB_T_S || t == DDB_T_N || t == DDB_T_B;
    if (op <= 1)
        return true;
    if (op == 10)
        return t == DDB_T_S || t == DDB_T_B;
    return scalar;
}

static int parse_values(struct ly_arena *a, const json_t *list, const json_t *value,
                        struct ddb_val *vals, size_t *n, struct ddb_err *err)
{
    *n = 0;
    if (value)
        return ddb_val_from_json(a, value, &vals[(*n)++], err);
    for (size_t i = 0; list && i < json_array_size(list) && i < 128; i++) {
        int rc = ddb_val_from_json(a, json_array_get(list, i), &vals[(*n)++], err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Builds the condition for one ComparisonOperator entry. */
static int cmp_node(struct ly_arena *a, const char *name, size_t nlen, int op, struct ddb_val *vals,
                    size_t nv, struct dnode **out, struct ddb_err *err)
{
    static const enum dcmp dc[] = {DC_EQ, DC_NE, DC_LE, DC_LT, DC_GE, DC_GT};
    struct dnode *kids[130];
    int c;
    kids[0] = mk_path_node(a, name, nlen);
    for (size_t i = 0; i < nv; i++) {
        if (!op_type_ok(op, vals[i].type))
            return ddb_err_valid(err,
                                 P "ComparisonOperator %s is not valid for %s AttributeValue "
                                   "type",
                                 cmp_ops[op], ddb_type_name(vals[i].type));
        if (!(kids[i + 1] = mk(a, DN_VALUE, NULL, 0)))
            return ddb_err_nomem(err);
        kids[i + 1]->val = &vals[i];
    }
    if (op == 12 && vals[0].type != vals[1].type)
        return ddb_err_valid(err,
                             P "AttributeValues inside AttributeValueList must be of same type");
    if (op == 12 && ddb_val_order(&vals[0], &vals[1], &c) && c > 0)
        return ddb_err_valid(err, "The BETWEEN condition was provided a range where the lower "
                                  "bound is greater than the upper bound");
    if (!kids[0])
        return ddb_err_nomem(err);
    if (op <= 5) {
        *out = mk(a, DN_CMP, kids, 2);
        if (*out)
            (*out)->cmp = dc[op];
    } else if (op == 6 || op == 7) {
        *out = mk_func(a, op == 6 ? DF_ATTRIBUTE_EXISTS : DF_ATTRIBUTE_NOT_EXISTS,
                       op == 6 ? "attribute_exists" : "attribute_not_exists", kids, 1);
    } else if (op == 8 || op == 10) {
        *out = mk_func(a, op == 8 ? DF_CONTAINS : DF_BEGINS_WITH,
                       op == 8 ? "contains" : "begins_with", kids, 2);
    } else if (op == 9) { /* the attribute must exist and not contain the value */
        struct dnode *ex = mk_func(a, DF_ATTRIBUTE_EXISTS, "attribute_exists", kids, 1);
        struct dnode *co = mk_func(a, DF_CONTAINS, "contains", kids, 2);
        struct dnode *no = co ? mk(a, DN_NOT, &co, 1) : NULL, *both[2] = {ex, no};
        *out = (ex && no) ? mk(a, DN_AND, both, 2) : NULL;
    } else {
        *out = mk(a, op == 11 ? DN_IN : DN_BETWEEN, kids, nv + 1);
    }
    return *out ? 0 : ddb_err_nomem(err);
}

static int expected_one(struct ly_arena *a, const char *name, size_t nlen, const json_t *c,
                        bool expected, struct dnode **out, struct ddb_err *err)
{
    const json_t *op = json_object_get(c, "ComparisonOperator");
    const json_t *exists = json_object_get(c, "Exists");
    const json_t *value = json_object_get(c, "Value");
    const json_t *list = json_object_get(c, "AttributeValueList");
    struct ddb_val *vals = ly_arena_alloc(a, 130 * sizeof(*vals));
    size_t nv = 0;
    int rc, k = -1;
    if (!vals)
        return ddb_err_nomem(err);
    if (op) {
        if (exists)
            return ddb_err_valid(err,
                                 P "Exists and ComparisonOperator cannot be used together "
                                   "for Attribute: %s",
                                 name);
        if (value && list)
            return ddb_err_valid(err,
                                 P "Value and AttributeValueList cannot be used together for "
                                   "Attribute: %s",
                                 name);
        for (size_t i = 0; i < sizeof(cmp_ops) / sizeof(cmp_ops[0]); i++)
            if (json_is_string(op) && strcmp(json_string_value(op), cmp_ops[i]) == 0)
                k = (int)i;
        if (k < 0)
            return ddb_err_valid(err,
                                 "1 validation error detected: Value '%s' at "
                                 "'expected.%s.member.comparisonOperator' failed to satisfy "
                                 "constraint: Member must satisfy enum value set: [IN, NULL, "
                                 "BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, "
                                 "BEGINS_WITH, GE, CONTAINS]",
                                 json_is_string(op) ? json_string_value(op) : "", name);
        if (expected && !value && !list && k != 6 && k != 7)
            return ddb_err_valid(err,
                                 P "Value or AttributeValueList must be used with "
                                   "ComparisonOperator: %s for Attribute: %s",
                                 cmp_ops[k], name);
        size_t given = value ? 1 : json_array_size(list);
        int want = op_arity(k);
        if ((want >= 0 && given != (size_t)want) || (want < 0 && (given == 0 || given > 128)))
            return ddb_err_valid(err,
                                 P "Invalid number of argument(s) for the %s "
                                   "ComparisonOperator",
                                 cmp_ops[k]);
        if ((rc = parse_values(a, list, value, vals, &nv, err)))
            return rc;
        return cmp_node(a, name, nlen, k, vals, nv, out, err);
    }
    if (list)
        return ddb_err_valid(err,
                             P "AttributeValueList can only be used with a "
                               "ComparisonOperator for Attribute: %s",
                             name);
    bool ex = !exists || json_is_true(exists);
    if (ex && !value)
        return ddb_err_valid(err, P "Value must be provided when Exists is %s for Attribute: %s",
                             exists ? "true" : "null", name);
    if (!ex && value)
        return ddb_err_valid(err, P "Value cannot be used when Exists is false for Attribute: %s",
                             name);
    if (ex && (rc = parse_values(a, NULL, value, vals, &nv, err)))
        return rc;
    return cmp_node(a, name, nlen, ex ? 0 : 7, vals, nv, out, err);
}

static int legacy_conditions(struct ly_arena *a, const json_t *expected, const json_t *cond_op,
                             bool is_expected, const struct ddb_cond **out, struct ddb_err *err)
{
    struct ddb_cond *c = ly_arena_calloc(a, sizeof(*c));
    bool is_or = false;
    const char *key;
    size_t klen;
    json_t *v;
    *out = NULL;
    if (!c)
        return ddb_err_nomem(err);
    if (cond_op && !json_is_null(cond_op)) {
        const char *s = json_is_string(cond_op) ? json_string_value(cond_op) : "";
        if (strcmp(s, "AND") != 0 && strcmp(s, "OR") != 0)
            return ddb_err_valid(err,
                                 "1 validation error detected: Value '%s' at "
                                 "'conditionalOperator' failed to satisfy constraint: Member "
                                 "must satisfy enum value set: [OR, AND]",
                                 s);
        is_or = strcmp(s, "OR") == 0;
    }
    if (!json_is_object(expected))
        return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected map or null");
    json_object_keylen_foreach ((json_t *)expected, key, klen, v) {
        struct dnode *n;
        if (!json_is_object(v))
            return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected null");
        int rc = expected_one(a, key, klen, v, is_expected, &n, err);
        if (rc)
            return rc;
        if (c->root) {
            struct dnode *kids[2] = {c->root, n};
            if (!(n = mk(a, is_or ? DN_OR : DN_AND, kids, 2)))
                return ddb_err_nomem(err);
        }
        c->root = n;
    }
    *out = c;
    return 0;
}

int ddb_legacy_expected(struct ly_arena *a, const json_t *expected, const json_t *cond_op,
                        const struct ddb_cond **out, struct ddb_err *err)
{
    return legacy_conditions(a, expected, cond_op, true, out, err);
}

int ddb_legacy_filter(struct ly_arena *a, const json_t *filter, const json_t *cond_op,
                      const struct ddb_cond **out, struct ddb_err *err)
{
    return legacy_conditions(a, filter, cond_op, false, out, err);
}

static int update_one(struct ly_arena *a, const char *name, size_t nlen, const json_t *spec,
                      struct dact *act, struct ddb_err *err)
{
    const json_t *action = json_object_get(spec, "Action"), *value = json_object_get(spec, "Value");
    const char *s = json_is_string(action) ? json_string_value(action) : "PUT";
    struct ddb_val *val;
    memset(act, 0, sizeof(*act));
    if (mk_path(a, name, nlen, &act->path))
        return ddb_err_nomem(err);
    if (strcmp(s, "PUT") && strcmp(s, "ADD") && strcmp(s, "DELETE"))
        return ddb_err_valid(err,
                             "1 validation error detected: Value '%s' at "
                             "'attributeUpdates.%s.member.action' failed to satisfy "
                             "constraint: Member must satisfy enum value set: [ADD, PUT, "
                             "DELETE]",
                             s, name);
    if (!value || json_is_null(value)) {
        if (strcmp(s, "DELETE") != 0)
            return ddb_err_valid(err, P "Only DELETE action is allowed when no attribute value "
                                        "is specified");
        act->kind = DA_REMOVE;
        return 0;
    }
    if (!(val = ly_arena_alloc(a, sizeof(*val))) || !(act->rhs = mk(a, DN_VALUE, NULL, 0)))
        return ddb_err_nomem(err);
    int rc = ddb_val_from_json(a, value, val, err);
    if (rc)
        return rc;
    act->rhs->val = val;
    bool set = ddb_type_set_elem(val->type) != DDB_T_NONE;
    act->kind = s[0] == 'P' ? DA_SET : s[0] == 'A' ? DA_ADD : DA_DELETE;
    if (act->kind == DA_ADD && !set && val->type != DDB_T_N && val->type != DDB_T_L)
        return ddb_err_valid(err, P "ADD action is not supported for the type %s",
                             ddb_type_name(val->type));
    if (act->kind == DA_DELETE && !set)
        return ddb_err_valid(err, P "DELETE action with value is not supported for the type %s",
                             ddb_type_name(val->type));
    return 0;
}

int ddb_legacy_attribute_updates(struct ly_arena *a, const json_t *updates,
                                 const struct ddb_update **out, struct ddb_err *err)
{
    struct ddb_update *u = ly_arena_calloc(a, sizeof(*u));
    const char *key;
    size_t klen;
    json_t *v;
    *out = NULL;
    if (!json_is_object(updates))
        return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected map or null");
    size_t n = json_object_size(updates);
    if (!u || !(u->acts = ly_arena_calloc(a, (n ? n : 1) * sizeof(*u->acts))))
        return ddb_err_nomem(err);
    u->legacy = true;
    json_object_keylen_foreach ((json_t *)updates, key, klen, v) {
        if (!json_is_object(v))
            return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected null");
        int rc = update_one(a, key, klen, v, &u->acts[u->n], err);
        if (rc)
            return rc;
        u->n++;
    }
    *out = u;
    return 0;
}

int ddb_legacy_attributes_to_get(struct ly_arena *a, const json_t *names,
                                 const struct ddb_proj **out, struct ddb_err *err)
{
    struct ddb_proj *p = ly_arena_calloc(a, sizeof(*p));
    *out = NULL;
    if (!json_is_array(names))
        return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION, "Expected list or null");
    size_t n = json_array_size(names);
    if (n == 0)
        return ddb_err_valid(err, "1 validation error detected: Value '[]' at 'attributesToGet' "
                                  "failed to satisfy constraint: Member must have length greater "
                                  "than or equal to 1");
    if (!p || !(p->paths = ly_arena_calloc(a, n * sizeof(*p->paths))))
        return ddb_err_nomem(err);
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(names, i);
        if (!json_is_string(s))
            return ddb_err_set(err, LY_EINVAL, AWS_DDB_SERIALIZATION,
                               "NUMBER_VALUE cannot be converted to String");
        for (size_t k = 0; k < i; k++)
            if (json_equal((json_t *)s, json_array_get(names, k)))
                return ddb_err_valid(err, P "Duplicate value in attribute name: %s",
                                     json_string_value(s));
        if (mk_path(a, json_string_value(s), json_string_length(s), &p->paths[i]))
            return ddb_err_nomem(err);
    }
    p->n = n;
    *out = p;
    return 0;
}
