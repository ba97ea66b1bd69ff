/*
 * ddb_keycond.c - KeyConditionExpression: parsed with the condition grammar,
 * then restricted to "hash = :v [AND sort-condition]" against the key schema,
 * with DynamoDB's messages. Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

#include <string.h>

static const char *op_name(const struct dnode *n)
{
    switch (n->kind) {
    case DN_OR: return "OR";
    case DN_NOT: return "NOT";
    case DN_IN: return "IN";
    case DN_CMP: return n->cmp == DC_NE ? "<>" : NULL;
    default: return NULL;
    }
}

static int collect(struct dparser *p, const struct dnode *n, const struct dnode **leaves, size_t *k)
{
    int rc;
    if (n->kind == DN_AND) {
        if ((rc = collect(p, n->kids[0], leaves, k)))
            return rc;
        return collect(p, n->kids[1], leaves, k);
    }
    const char *bad = op_name(n);
    if (bad)
        return dp_fail(p, "Invalid operator used in KeyConditionExpression: %s", bad);
    if (n->kind == DN_FUNC && n->func != DF_BEGINS_WITH)
        return dp_fail(p, "Invalid operator used in KeyConditionExpression: %.*s", (int)n->ref_len,
                       n->ref);
    if (*k == 2)
        return dp_fail(p, "KeyConditionExpressions must only contain one condition per key");
    leaves[(*k)++] = n;
    return 0;
}

struct leaf {
    const struct dpath *path;
    enum ddb_keycond_op op;
    const struct ddb_val *lo, *hi;
};

static int leaf_shape(struct dparser *p, const struct dnode *n, struct leaf *l)
{
    static const enum ddb_keycond_op ops[] = {DDB_KC_EQ, DDB_KC_NONE, DDB_KC_LT,
                                              DDB_KC_LE, DDB_KC_GT,   DDB_KC_GE};
    static const enum ddb_keycond_op flipped[] = {DDB_KC_EQ, DDB_KC_NONE, DDB_KC_GT,
                                                  DDB_KC_GE, DDB_KC_LT,   DDB_KC_LE};
    const struct dnode *k0 = n->kids[0], *k1 = n->kids[1];
    memset(l, 0, sizeof(*l));
    if (n->kind == DN_CMP && k0->kind == DN_VALUE && k1->kind == DN_PATH) {
        l->path = &k1->path;
        l->op = flipped[n->cmp];
        l->lo = k0->val;
    } else if (k0->kind == DN_PATH && k1->kind == DN_VALUE &&
               (n->kind != DN_BETWEEN || n->kids[2]->kind == DN_VALUE)) {
        l->path = &k0->path;
        l->lo = k1->val;
        l->op = n->kind == DN_CMP       ? ops[n->cmp]
                : n->kind == DN_BETWEEN ? DDB_KC_BETWEEN
                                        : DDB_KC_BEGINS_WITH;
        if (n->kind == DN_BETWEEN)
            l->hi = n->kids[2]->val;
    } else {
        return ddb_err_valid(p->err, "Query key condition not supported");
    }
    if (l->path->n > 1)
        return dp_fail(p, "KeyConditionExpressions cannot have conditions on nested attributes");
    return 0;
}

static bool name_is(const struct dpath *path, const char *name)
{
    return name && strlen(name) == path->e[0].len &&
           memcmp(name, path->e[0].name, path->e[0].len) == 0;
}

static int apply_leaves(struct dparser *p, const struct leaf *lv, size_t k,
                        const struct ddb_key_schema *ks, struct ddb_keycond *out)
{
    static const char mismatch[] = "One or more parameter values were invalid: Condition "
                                   "parameter type does not match schema type";
    if (k == 2 && lv[0].path->e[0].len == lv[1].path->e[0].len &&
        memcmp(lv[0].path->e[0].name, lv[1].path->e[0].name, lv[0].path->e[0].len) == 0)
        return dp_fail(p, "KeyConditionExpressions must only contain one condition per key");
    for (size_t i = 0; i < k; i++) {
        if (name_is(lv[i].path, ks->hash_name)) {
            if (lv[i].op != DDB_KC_EQ)
                return ddb_err_valid(p->err, "Query key condition not supported");
            if (lv[i].lo->type != ks->hash_type)
                return ddb_err_valid(p->err, mismatch);
            out->hash = lv[i].lo;
        } else if (name_is(lv[i].path, ks->range_name)) {
            if (lv[i].lo->type != ks->range_type || (lv[i].hi && lv[i].hi->type != ks->range_type))
                return ddb_err_valid(p->err, mismatch);
            if (lv[i].op == DDB_KC_BEGINS_WITH && ks->range_type == DDB_T_N)
                return dp_fail(p, "Incorrect operand type for operator or function; operator or "
                                  "function: begins_with, operand type: N");
            out->op = lv[i].op;
            out->lo = lv[i].lo;
            out->hi = lv[i].hi;
        } else {
            const char *missed = (out->hash || !ks->range_name) ? ks->range_name : ks->hash_name;
            return ddb_err_valid(p->err, "Query condition missed key schema element: %s",
                                 missed ? missed : ks->hash_name);
        }
    }
    if (!out->hash)
        return ddb_err_valid(p->err, "Query condition missed key schema element: %s",
                             ks->hash_name);
    return 0;
}

int ddb_keycond_parse(struct ddb_expr_ctx *cx, const char *text, size_t len,
                      const struct ddb_key_schema *ks, struct ddb_keycond *out, struct ddb_err *err)
{
    struct dparser p;
    struct dnode *root;
    const struct dnode *leaves[2];
    struct leaf lv[2];
    size_t k = 0;
    memset(out, 0, sizeof(*out));
    int rc = dck_parse_condition(&p, cx, DDB_EXPR_KEY_CONDITION, text, len, err, &root);
    if (!rc)
        rc = collect(&p, root, leaves, &k);
    for (size_t i = 0; !rc && i < k; i++)
        rc = leaf_shape(&p, leaves[i], &lv[i]);
    if (!rc)
        rc = apply_leaves(&p, lv, k, ks, out);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

bool ddb_keycond_match(const struct ddb_keycond *kc, const struct ddb_val *v)
{
    int c1, c2;
    switch (kc->op) {
    case DDB_KC_NONE: return true;
    case DDB_KC_EQ: return ddb_val_order(v, kc->lo, &c1) && c1 == 0;
    case DDB_KC_LT: return ddb_val_order(v, kc->lo, &c1) && c1 < 0;
    case DDB_KC_LE: return ddb_val_order(v, kc->lo, &c1) && c1 <= 0;
    case DDB_KC_GT: return ddb_val_order(v, kc->lo, &c1) && c1 > 0;
    case DDB_KC_GE: return ddb_val_order(v, kc->lo, &c1) && c1 >= 0;
    case DDB_KC_BETWEEN:
        return ddb_val_order(v, kc->lo, &c1) && ddb_val_order(v, kc->hi, &c2) && c1 >= 0 && c2 <= 0;
    case DDB_KC_BEGINS_WITH:
        return v->type == kc->lo->type && (v->type == DDB_T_S || v->type == DDB_T_B) &&
               kc->lo->u.bytes.len <= v->u.bytes.len &&
               (kc->lo->u.bytes.len == 0 ||
                memcmp(v->u.bytes.p, kc->lo->u.bytes.p, kc->lo->u.bytes.len) == 0);
    }
    return false;
}
