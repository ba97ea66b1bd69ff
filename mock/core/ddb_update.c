/*
 * ddb_update.c - applying a parsed update (UpdateExpression or legacy
 * AttributeUpdates) to an item, copy-on-write in the request arena.
 *
 * All SET right-hand sides are evaluated against the old item first; then
 * SET actions run in path order (lowest list index first, so elements added
 * past a list's end are sorted by element number), REMOVEs (highest list
 * index first, so indexes refer to the old list), then ADD and DELETE.
 * Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

#include <stdlib.h>
#include <string.h>

#define MSG_BADTYPE "An operand in the update expression has an incorrect data type"
#define MSG_BADPATH "The document path provided in the update expression is invalid for update"
#define MSG_NOATTR "The provided expression refers to an attribute that does not exist in the item"
#define MSG_LEGACY_TYPE "Type mismatch for attribute to update"

static int list_concat(struct ly_arena *a, const struct ddb_val *x, const struct ddb_val *y,
                       struct ddb_val *out)
{
    size_t n = x->u.list.n + y->u.list.n;
    struct ddb_val *items = ly_arena_alloc(a, (n ? n : 1) * sizeof(*items));
    if (!items)
        return LY_ENOMEM;
    if (x->u.list.n)
        memcpy(items, x->u.list.items, x->u.list.n * sizeof(*items));
    if (y->u.list.n)
        memcpy(items + x->u.list.n, y->u.list.items, y->u.list.n * sizeof(*items));
    out->type = DDB_T_L;
    out->u.list.items = items;
    out->u.list.n = n;
    return 0;
}

static int eval_rhs(struct ly_arena *a, const struct dnode *n, const struct ddb_map *old,
                    struct ddb_val *out, struct ddb_err *err)
{
    struct ddb_val x, y;
    const struct ddb_val *v;
    int rc;
    switch (n->kind) {
    case DN_PATH:
        if (!(v = dpath_get(old, &n->path)))
            return ddb_err_valid(err, MSG_NOATTR);
        *out = *v;
        return 0;
    case DN_VALUE: *out = *n->val; return 0;
    case DN_FUNC:
        if (n->func == DF_IF_NOT_EXISTS) {
            if ((v = dpath_get(old, &n->kids[0]->path))) {
                *out = *v;
                return 0;
            }
            return eval_rhs(a, n->kids[1], old, out, err);
        }
        if ((rc = eval_rhs(a, n->kids[0], old, &x, err)) ||
            (rc = eval_rhs(a, n->kids[1], old, &y, err)))
            return rc;
        if (x.type != DDB_T_L || y.type != DDB_T_L)
            return ddb_err_valid(err, MSG_BADTYPE);
        return list_concat(a, &x, &y, out) ? ddb_err_nomem(err) : 0;
    case DN_PLUS:
    case DN_MINUS:
        if ((rc = eval_rhs(a, n->kids[0], old, &x, err)) ||
            (rc = eval_rhs(a, n->kids[1], old, &y, err)))
            return rc;
        if (x.type != DDB_T_N || y.type != DDB_T_N)
            return ddb_err_valid(err, MSG_BADTYPE);
        memset(out, 0, sizeof(*out));
        out->type = DDB_T_N;
        return n->kind == DN_PLUS ? ddb_num_add(&x.u.num, &y.u.num, &out->u.num, err)
                                  : ddb_num_sub(&x.u.num, &y.u.num, &out->u.num, err);
    default: return ddb_err_valid(err, MSG_BADTYPE);
    }
}

/* Copy of list l with element i replaced by v, appended (i >= n) or removed (v NULL). */
static int list_edit(struct ly_arena *a, const struct ddb_val *l, size_t i, const struct ddb_val *v,
                     struct ddb_val *out)
{
    size_t n = l->u.list.n, m = v ? (i < n ? n : n + 1) : n - 1;
    struct ddb_val *items = ly_arena_alloc(a, (m ? m : 1) * sizeof(*items));
    if (!items)
        return LY_ENOMEM;
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (j == i && !v)
            continue;
        items[k++] = (j == i) ? *v : l->u.list.items[j];
    }
    if (v && i >= n)
        items[k++] = *v;
    out->type = DDB_T_L;
    out->u.list.items = items;
    out->u.list.n = k;
    return 0;
}

/*
 * Writes v at path[k..] inside container c, producing *out. v NULL removes; removing a missing
 * attribute or a list index past the end is a no-op, but a missing parent is an error for
 * REMOVE as for SET (DynamoDB, recorded by Alternator's tests).
 */
static int put_in(struct ly_arena *a, const struct ddb_val *c, const struct dpath *p, size_t k,
                  const struct ddb_val *v, struct ddb_val *out, struct ddb_err *err)
{
    const struct dpath_elem *e = &p->e[k];
    bool last = k + 1 == p->n;
    struct ddb_val child;
    int rc;
    *out = *c;
    if (e->is_index) {
        if (c->type != DDB_T_L)
            return ddb_err_valid(err, MSG_BADPATH);
        size_t n = c->u.list.n;
        if (last && (v || e->index < n))
            return list_edit(a, c, e->index, v, out) ? ddb_err_nomem(err) : 0;
        if (last)
            return 0; /* REMOVE past the end */
        if (e->index >= n)
            return ddb_err_valid(err, MSG_BADPATH);
        if ((rc = put_in(a, &c->u.list.items[e->index], p, k + 1, v, &child, err)))
            return rc;
        return list_edit(a, c, e->index, &child, out) ? ddb_err_nomem(err) : 0;
    }
    if (c->type != DDB_T_M)
        return ddb_err_valid(err, MSG_BADPATH);
    if (last) {
        rc = v ? ddb_map_put(a, &c->u.map, e->name, e->len, v, &out->u.map)
               : ddb_map_del(a, &c->u.map, e->name, e->len, &out->u.map);
        return rc ? ddb_err_nomem(err) : 0;
    }
    const struct ddb_val *cur = ddb_map_get(&c->u.map, e->name, e->len);
    if (!cur)
        return ddb_err_valid(err, MSG_BADPATH);
    if ((rc = put_in(a, cur, p, k + 1, v, &child, err)))
        return rc;
    return ddb_map_put(a, &c->u.map, e->name, e->len, &child, &out->u.map) ? ddb_err_nomem(err) : 0;
}

/* Union (add) or difference (!add) of two sets of the same type. */
static int set_merge(struct ly_arena *a, const struct ddb_val *x, const struct ddb_val *y, bool add,
                     struct ddb_val *out)
{
    size_t cap = x->u.list.n + (add ? y->u.list.n : 0), k = 0;
    struct ddb_val *items = ly_arena_alloc(a, (cap ? cap : 1) * sizeof(*items));
    if (!items)
        return LY_ENOMEM;
    for (size_t i = 0; i < x->u.list.n; i++)
        if (add || !ddb_set_has(y, &x->u.list.items[i]))
            items[k++] = x->u.list.items[i];
    for (size_t i = 0; add && i < y->u.list.n; i++)
        if (!ddb_set_has(x, &y->u.list.items[i]))
            items[k++] = y->u.list.items[i];
    out->type = x->type;
    out->u.list.items = items;
    out->u.list.n = k;
    return 0;
}

/* ADD / DELETE: the new value at the path, or *remove when a DELETE empties a set. */
static int add_delete_value(struct ly_arena *a, const struct dact *act, bool legacy,
                            const struct ddb_val *cur, struct ddb_val *out, bool *remove,
                            struct ddb_err *err)
{
    const struct ddb_val *v = act->rhs->val;
    const char *bad = legacy ? MSG_LEGACY_TYPE : MSG_BADTYPE;
    *remove = false;
    if (!cur) {
        *remove = act->kind == DA_DELETE;
        *out = *v;
        return 0;
    }
    if (act->kind == DA_ADD && cur->type == DDB_T_N && v->type == DDB_T_N) {
        memset(out, 0, sizeof(*out));
        out->type = DDB_T_N;
        return ddb_num_add(&cur->u.num, &v->u.num, &out->u.num, err);
    }
    if (legacy && act->kind == DA_ADD && cur->type == DDB_T_L && v->type == DDB_T_L)
        return list_concat(a, cur, v, out) ? ddb_err_nomem(err) : 0;
    if (cur->type != v->type || ddb_type_set_elem(cur->type) == DDB_T_NONE)
        return ddb_err_valid(err, "%s", bad);
    if (set_merge(a, cur, v, act->kind == DA_ADD, out))
        return ddb_err_nomem(err);
    *remove = out->u.list.n == 0;
    return 0;
}

/*
 * A total order on document paths, element by element: a list index before a name, indexes by
 * number, names bytewise, a path before its extensions. SETs run in this order, so that
 * several elements added past a list's end land "sorted in order by element number" (DynamoDB
 * documents it); REMOVEs in the reverse order, so that indexes refer to the old list.
 */
static int cmp_path(const struct dpath *a, const struct dpath *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        const struct dpath_elem *ea = &a->e[i], *eb = &b->e[i];
        if (ea->is_index != eb->is_index)
            return ea->is_index ? -1 : 1;
        if (ea->is_index && ea->index != eb->index)
            return ea->index < eb->index ? -1 : 1;
        if (!ea->is_index) {
            size_t m = ea->len < eb->len ? ea->len : eb->len;
            int c = memcmp(ea->name, eb->name, m);
            if (c || ea->len != eb->len)
                return c ? c : ea->len < eb->len ? -1 : 1;
        }
    }
    return a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
}

static int cmp_set_asc(const void *x, const void *y)
{
    const struct dact *a = *(const struct dact *const *)x, *b = *(const struct dact *const *)y;
    return cmp_path(&a->path, &b->path);
}

static int cmp_remove_desc(const void *x, const void *y)
{
    return -cmp_set_asc(x, y);
}

static int apply_one(struct ly_arena *a, const struct ddb_update *u, const struct dact *act,
                     const struct ddb_val *setv, struct ddb_val *item, struct ddb_err *err)
{
    struct ddb_val nv;
    bool remove = false;
    int rc;
    if (act->kind == DA_ADD || act->kind == DA_DELETE) {
        const struct ddb_val *cur = dpath_get(&item->u.map, &act->path);
        if (!cur && act->kind == DA_DELETE)
            return 0;
        if ((rc = add_delete_value(a, act, u->legacy, cur, &nv, &remove, err)))
            return rc;
        setv = remove ? NULL : &nv;
    }
    return put_in(a, item, &act->path, 0, setv, item, err);
}

int ddb_update_apply(const struct ddb_update *u, struct ly_arena *a, const struct ddb_map *old,
                     struct ddb_map *out, struct ddb_err *err)
{
    struct ddb_val *vals = ly_arena_calloc(a, (u->n ? u->n : 1) * sizeof(*vals));
    const struct dact **order = ly_arena_alloc(a, (u->n ? u->n : 1) * sizeof(*order));
    struct ddb_val item = {.type = DDB_T_M};
    size_t k = 0;
    int rc = 0;
    if (!vals || !order)
        return ddb_err_nomem(err);
    if (old)
        item.u.map = *old;
    for (size_t i = 0; !rc && i < u->n; i++)
        if (u->acts[i].kind == DA_SET)
            rc = eval_rhs(a, u->acts[i].rhs, old, &vals[i], err);
    for (int kind = DA_SET; kind <= DA_DELETE; kind++) {
        size_t start = k;
        for (size_t i = 0; i < u->n; i++)
            if ((int)u->acts[i].kind == kind)
                order[k++] = &u->acts[i];
        if (kind == DA_SET || kind == DA_REMOVE)
            qsort(order + start, k - start, sizeof(*order),
                  kind == DA_SET ? cmp_set_asc : cmp_remove_desc);
    }
    /* On a missing item a REMOVE finds nothing, whatever its path: DynamoDB ignores it. */
    for (size_t i = 0; !rc && i < k; i++)
        if (old || order[i]->kind != DA_REMOVE)
            rc = apply_one(a, u, order[i],
                           order[i]->kind == DA_SET ? &vals[order[i] - u->acts] : NULL, &item, err);
    if (!rc)
        *out = item.u.map;
    return rc;
}
