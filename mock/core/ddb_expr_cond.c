/*
 * ddb_expr_cond.c - the public condition API: parse + validate a
 * ConditionExpression / FilterExpression, and evaluate it (see ddb_expr.h).
 * Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

int ddb_cond_parse(struct ddb_expr_ctx *cx, enum ddb_expr_kind kind, const char *text, size_t len,
                   const struct ddb_cond **out, struct ddb_err *err)
{
    struct dparser p;
    struct dnode *root;
    *out = NULL;
    int rc = dck_parse_condition(&p, cx, kind, text, len, err, &root);
    if (rc)
        return rc;
    struct ddb_cond *c = ly_arena_alloc(cx->a, sizeof(*c));
    if (!c)
        return ddb_err_nomem(err);
    c->root = root;
    *out = c;
    return 0;
}

bool ddb_cond_eval(const struct ddb_cond *c, const struct ddb_map *item)
{
    if (!c || !c->root) /* an empty legacy Expected */
        return true;
    return deval_cond(c->root, item);
}
