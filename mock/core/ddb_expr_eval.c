/*
 * ddb_expr_eval.c - evaluating conditions and operands against an item.
 *
 * Semantics (verified against AWS by the Alternator suite): a missing operand
 * makes every comparison false except "<>", which is true; values of different
 * types are unequal and unordered; only S (bytes), N (numeric) and B (unsigned
 * bytes) order; sets compare regardless of element order. Pure: no I/O.
 */
#include "ddb_expr_int.h"

#include <string.h>

const struct ddb_val *dpath_get(const struct ddb_map *item, const struct dpath *path)
{
    if (!item || path->n == 0 || path->e[0].is_index)
        return NULL;
    const struct ddb_val *v = ddb_map_get(item, path->e[0].name, path->e[0].len);
    for (size_t k = 1; v && k < path->n; k++) {
        const struct dpath_elem *e = &path->e[k];
        if (e->is_index)
            v = (v->type == DDB_T_L && e->index < v->u.list.n) ? &v->u.list.items[e->index] : NULL;
        else
            v = v->type == DDB_T_M ? ddb_map_get(&v->u.map, e->name, e->len) : NULL;
    }
    return v;
}

/* size(): S/B bytes, set/list elements, map keys; other types have no size. */
static bool value_size(const struct ddb_val *v, struct ddb_val *out)
{
    size_t n;
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_B: n = v->u.bytes.len; break;
    case DDB_T_L:
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS: n = v->u.list.n; break;
    case DDB_T_M: n = v->u.map.n; break;
    default: return false;
    }
    memset(out, 0, sizeof(*out));
    out->type = DDB_T_N;
    ddb_num_from_i64((int64_t)n, &out->u.num);
    return true;
}

bool deval_operand(const struct dnode *n, const struct ddb_map *item, struct ddb_val *out)
{
    const struct ddb_val *v;
    struct ddb_val inner;
    switch (n->kind) {
    case DN_PATH:
        v = dpath_get(item, &n->path);
        if (!v)
            return false;
        *out = *v;
        return true;
    case DN_VALUE: *out = *n->val; return true;
    case DN_FUNC:
        if (n->func != DF_SIZE || !deval_operand(n->kids[0], item, &inner))
            return false;
        return value_size(&inner, out);
    default: return false;
    }
}

static bool bytes_find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return true;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return true;
    return false;
}

static bool eval_contains(const struct ddb_val *a, const struct ddb_val *b)
{
    switch (a->type) {
    case DDB_T_S:
    case DDB_T_B:
        return b->type == a->type &&
               bytes_find(a->u.bytes.p, a->u.bytes.len, b->u.bytes.p, b->u.bytes.len);
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS: return b->type == ddb_type_set_elem(a->type) && ddb_set_has(a, b);
    case DDB_T_L:
        for (size_t i = 0; i < a->u.list.n; i++)
            if (ddb_val_equal(&a->u.list.items[i], b))
                return true;
        return false;
    default: return false;
    }
}

static bool eval_func(const struct dnode *n, const struct ddb_map *item)
{
    struct ddb_val a, b;
    bool ha, hb;
    switch (n->func) {
    case DF_ATTRIBUTE_EXISTS: return dpath_get(item, &n->kids[0]->path) != NULL;
    case DF_ATTRIBUTE_NOT_EXISTS: return dpath_get(item, &n->kids[0]->path) == NULL;
    default: break;
    }
    ha = deval_operand(n->kids[0], item, &a);
    hb = n->nkids > 1 && deval_operand(n->kids[1], item, &b);
    if (!ha || !hb)
        return false;
    switch (n->func) {
    case DF_ATTRIBUTE_TYPE: {
        const char *t = ddb_type_name(a.type);
        return b.type == DDB_T_S && strlen(t) == b.u.bytes.len &&
               memcmp(t, b.u.bytes.p, b.u.bytes.len) == 0;
    }
    case DF_BEGINS_WITH:
        return (a.type == DDB_T_S || a.type == DDB_T_B) && a.type == b.type &&
               b.u.bytes.len <= a.u.bytes.len &&
               (b.u.bytes.len == 0 || memcmp(a.u.bytes.p, b.u.bytes.p, b.u.bytes.len) == 0);
    case DF_CONTAINS: return eval_contains(&a, &b);
    default: return false;
    }
}

static bool eval_cmp(const struct dnode *n, const struct ddb_map *item)
{
    struct ddb_val a, b;
    bool both = deval_operand(n->kids[0], item, &a);
    both = deval_operand(n->kids[1], item, &b) && both;
    int c;
    switch (n->cmp) {
    case DC_EQ: return both && ddb_val_equal(&a, &b);
    case DC_NE: return !(both && ddb_val_equal(&a, &b));
    default: break;
    }
    if (!both || !ddb_val_order(&a, &b, &c))
        return false;
    switch (n->cmp) {
    case DC_LT: return c < 0;
    case DC_LE: return c <= 0;
    case DC_GT: return c > 0;
    default: return c >= 0;
    }
}

static bool eval_between(const struct dnode *n, const struct ddb_map *item)
{
    struct ddb_val x, lo, hi;
    int c1, c2;
    if (!deval_operand(n->kids[0], item, &x) || !deval_operand(n->kids[1], item, &lo) ||
        !deval_operand(n->kids[2], item, &hi))
        return false;
    return ddb_val_order(&lo, &x, &c1) && ddb_val_order(&x, &hi, &c2) && c1 <= 0 && c2 <= 0;
}

static bool eval_in(const struct dnode *n, const struct ddb_map *item)
{
    struct ddb_val x, y;
    if (!deval_operand(n->kids[0], item, &x))
        return false;
    for (size_t i = 1; i < n->nkids; i++)
        if (deval_operand(n->kids[i], item, &y) && ddb_val_equal(&x, &y))
            return true;
    return false;
}

bool deval_cond(const struct dnode *n, const struct ddb_map *item)
{
    switch (n->kind) {
    case DN_AND: return deval_cond(n->kids[0], item) && deval_cond(n->kids[1], item);
    case DN_OR: return deval_cond(n->kids[0], item) || deval_cond(n->kids[1], item);
    case DN_NOT: return !deval_cond(n->kids[0], item);
    case DN_CMP: return eval_cmp(n, item);
    case DN_BETWEEN: return eval_between(n, item);
    case DN_IN: return eval_in(n, item);
    case DN_FUNC: return eval_func(n, item);
    default: return false;
    }
}
