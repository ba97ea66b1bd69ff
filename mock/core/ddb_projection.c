/*
 * ddb_projection.c - ProjectionExpression parsing/validation and applying a
 * set of document paths to an item (also used for AttributesToGet and for
 * ReturnValues UPDATED_*). Projected lists keep the named elements in index
 * order; missing paths are skipped. Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

#include <string.h>

static bool elem_match(const struct dpath_elem *e, const struct ddb_attr *at, size_t idx)
{
    if (at)
        return !e->is_index && e->len == at->name_len && memcmp(e->name, at->name, e->len) == 0;
    return e->is_index && e->index == idx;
}

/* Projects v on paths (all matching so far, next element at depth). */
static int project_val(struct ly_arena *a, const struct ddb_val *v,
                       const struct dpath *const *paths, size_t n, size_t depth,
                       struct ddb_val *out, bool *found)
{
    *found = false;
    for (size_t i = 0; i < n; i++) {
        if (paths[i]->n == depth) {
            *out = *v;
            *found = true;
            return 0;
        }
    }
    bool is_map = v->type == DDB_T_M;
    if (!is_map && v->type != DDB_T_L)
        return 0;
    size_t count = is_map ? v->u.map.n : v->u.list.n, k = 0;
    const struct dpath **sub = ly_arena_alloc(a, n * sizeof(*sub));
    void *res = ly_arena_alloc(a, (count ? count : 1) *
                                      (is_map ? sizeof(struct ddb_attr) : sizeof(struct ddb_val)));
    if (!sub || !res)
        return LY_ENOMEM;
    for (size_t c = 0; c < count; c++) {
        const struct ddb_attr *at = is_map ? &v->u.map.attrs[c] : NULL;
        const struct ddb_val *child = is_map ? &at->val : &v->u.list.items[c];
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (elem_match(&paths[i]->e[depth], at, c))
                sub[m++] = paths[i];
        if (!m)
            continue;
        struct ddb_val pv;
        bool f;
        int rc = project_val(a, child, sub, m, depth + 1, &pv, &f);
        if (rc)
            return rc;
        if (!f)
            continue;
        if (is_map) {
            struct ddb_attr *dst = &((struct ddb_attr *)res)[k++];
            *dst = *at;
            dst->val = pv;
        } else {
            ((struct ddb_val *)res)[k++] = pv;
        }
    }
    if (!k)
        return 0;
    out->type = v->type;
    if (is_map) {
        out->u.map.attrs = res;
        out->u.map.n = k;
    } else {
        out->u.list.items = res;
        out->u.list.n = k;
    }
    *found = true;
    return 0;
}

int dproject(struct ly_arena *a, const struct dpath *const *paths, size_t n,
             const struct ddb_map *item, struct ddb_map *out)
{
    struct ddb_val whole = {.type = DDB_T_M}, res;
    bool found;
    out->attrs = NULL;
    out->n = 0;
    if (!item)
        return 0;
    whole.u.map = *item;
    int rc = project_val(a, &whole, paths, n, 0, &res, &found);
    if (!rc && found)
        *out = res.u.map;
    return rc;
}

int ddb_proj_parse(struct ddb_expr_ctx *cx, const char *text, size_t len,
                   const struct ddb_proj **out, struct ddb_err *err)
{
    struct dparser p;
    *out = NULL;
    int rc = dp_init(&p, cx, DDB_EXPR_PROJECTION, text, len, err);
    if (rc)
        return rc;
    struct dpath *paths = ly_arena_alloc(cx->a, p.ntok * sizeof(*paths));
    const struct dpath **ptrs = ly_arena_alloc(cx->a, p.ntok * sizeof(*ptrs));
    struct ddb_proj *pr = ly_arena_calloc(cx->a, sizeof(*pr));
    size_t n = 0;
    if (!paths || !ptrs || !pr)
        return ddb_err_nomem(err);
    do {
        if ((rc = dp_path(&p, &paths[n])))
            return rc;
        ptrs[n] = &paths[n];
        n++;
    } while (dp_accept(&p, DT_COMMA));
    if ((rc = dp_expect_eof(&p)))
        return rc;
    for (size_t i = 0; !rc && i < n; i++)
        rc = dck_reserved(&p, &paths[i]);
    for (size_t i = 0; !rc && i < n; i++)
        rc = dck_names(&p, &paths[i]);
    if (!rc)
        rc = dck_paths_disjoint(&p, ptrs, n);
    if (rc)
        return rc;
    pr->paths = paths;
    pr->n = n;
    *out = pr;
    return 0;
}

int ddb_proj_apply(const struct ddb_proj *p, struct ly_arena *a, const struct ddb_map *item,
                   struct ddb_map *out)
{
    const struct dpath **ptrs = ly_arena_alloc(a, (p->n ? p->n : 1) * sizeof(*ptrs));
    if (!ptrs)
        return LY_ENOMEM;
    for (size_t i = 0; i < p->n; i++)
        ptrs[i] = &p->paths[i];
    return dproject(a, ptrs, p->n, item, out);
}
