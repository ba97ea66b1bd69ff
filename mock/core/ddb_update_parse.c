/*
 * ddb_update_parse.c - UpdateExpression parsing and validation:
 *   update := clause+   clause := SET a = v[, ...] | REMOVE p[, ...] | ADD p :v[, ...] | DELETE p :v[, ...]
 *   v := operand [ (+|-) operand ]
 * Each clause at most once, in any order. Validation follows DynamoDB's
 * priority (parentheses, functions, reserved words, placeholders, operand
 * types, then overlapping paths). Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

#include <string.h>

static const char *const clause_names[] = {"SET", "REMOVE", "ADD", "DELETE"};

static int clause_at(const struct dparser *p)
{
    for (int k = 0; k < 4; k++)
        if (dp_is_kw(p, clause_names[k]))
            return k;
    return -1;
}

static int parse_set_rhs(struct dparser *p, struct dnode **out)
{
    struct dnode *x, *kids[2];
    int rc = dp_operand(p, &x);
    if (rc)
        return rc;
    const struct dtok *t = dp_peek(p, 0);
    if (t->kind != DT_PLUS && t->kind != DT_MINUS) {
        *out = x;
        return 0;
    }
    struct dnode *n = dp_node(p, t->kind == DT_PLUS ? DN_PLUS : DN_MINUS);
    if (!n)
        return ddb_err_nomem(p->err);
    if ((rc = dp_count_op(p)))
        return rc;
    p->i++;
    kids[0] = x;
    if ((rc = dp_operand(p, &kids[1])))
        return rc;
    n->kids = ly_arena_memdup(p->a, kids, sizeof(kids));
    n->nkids = 2;
    *out = n;
    return n->kids ? 0 : ddb_err_nomem(p->err);
}

static int parse_action(struct dparser *p, enum dact_kind kind, struct dact *act)
{
    memset(act, 0, sizeof(*act));
    act->kind = kind;
    int rc = dp_path(p, &act->path);
    if (rc)
        return rc;
    switch (kind) {
    case DA_SET:
        if (!dp_accept(p, DT_EQ))
            return dp_syntax(p);
        return parse_set_rhs(p, &act->rhs);
    case DA_ADD:
    case DA_DELETE:
        if (dp_peek(p, 0)->kind != DT_COLON)
            return dp_syntax(p);
        return dp_operand(p, &act->rhs);
    case DA_REMOVE: return 0;
    }
    return 0;
}

static int parse_clauses(struct dparser *p, struct dact *acts, size_t cap, size_t *n)
{
    bool seen[4] = {false, false, false, false};
    *n = 0;
    while (dp_peek(p, 0)->kind != DT_EOF) {
        int c = clause_at(p);
        if (c < 0)
            return dp_syntax(p);
        if (seen[c])
            return dp_fail(p, "The \"%s\" section can only be used once in an update expression;",
                           clause_names[c]);
        seen[c] = true;
        p->i++;
        do {
            if (*n == cap)
                return dp_syntax(p);
            int rc = parse_action(p, (enum dact_kind)c, &acts[(*n)++]);
            if (rc)
                return rc;
        } while (dp_accept(p, DT_COMMA));
    }
    return 0;
}

/* Long type names DynamoDB uses in ADD/DELETE operand messages. */
static const char *long_type(enum ddb_type t)
{
    switch (t) {
    case DDB_T_S: return "STRING";
    case DDB_T_N: return "NUMBER";
    case DDB_T_B: return "BINARY";
    case DDB_T_BOOL: return "BOOLEAN";
    case DDB_T_NULL: return "NULL";
    case DDB_T_M: return "MAP";
    case DDB_T_L: return "LIST";
    case DDB_T_SS: return "STRING_SET";
    case DDB_T_NS: return "NUMBER_SET";
    case DDB_T_BS: return "BINARY_SET";
    default: return "";
    }
}

static int check_add_delete(struct dparser *p, const struct dact *a)
{
    enum ddb_type t = a->rhs->val->type;
    bool set = ddb_type_set_elem(t) != DDB_T_NONE;
    if ((a->kind == DA_ADD && !set && t != DDB_T_N) || (a->kind == DA_DELETE && !set))
        return dp_fail(p,
                       "Incorrect operand type for operator or function; operator: %s, "
                       "operand type: %s",
                       a->kind == DA_ADD ? "ADD" : "DELETE", long_type(t));
    return 0;
}

static int validate(struct dparser *p, struct dact *acts, size_t n)
{
    int rc = 0;
    if (p->redundant)
        return dp_fail(p, "The expression has redundant parentheses;");
    for (size_t i = 0; !rc && i < n; i++)
        if (acts[i].rhs)
            rc = dck_tree(p, acts[i].rhs, DCK_FUNC_NAME);
    for (size_t i = 0; !rc && i < n; i++)
        if (acts[i].rhs)
            rc = dck_tree(p, acts[i].rhs, DCK_FUNC_USE);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = dck_reserved(p, &acts[i].path);
        if (!rc && acts[i].rhs)
            rc = dck_tree(p, acts[i].rhs, DCK_RESERVED);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        rc = dck_names(p, &acts[i].path);
        if (!rc && acts[i].rhs)
            rc = dck_tree(p, acts[i].rhs, DCK_RESOLVE);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        if (acts[i].rhs)
            rc = dck_tree(p, acts[i].rhs, DCK_OPERANDS);
        if (!rc && (acts[i].kind == DA_ADD || acts[i].kind == DA_DELETE))
            rc = check_add_delete(p, &acts[i]);
    }
    if (rc)
        return rc;
    const struct dpath **paths = ly_arena_alloc(p->a, (n ? n : 1) * sizeof(*paths));
    if (!paths)
        return ddb_err_nomem(p->err);
    for (size_t i = 0; i < n; i++)
        paths[i] = &acts[i].path;
    return dck_paths_disjoint(p, paths, n);
}

int ddb_update_parse(struct ddb_expr_ctx *cx, const char *text, size_t len,
                     const struct ddb_update **out, struct ddb_err *err)
{
    struct dparser p;
    size_t n = 0;
    *out = NULL;
    int rc = dp_init(&p, cx, DDB_EXPR_UPDATE, text, len, err);
    if (rc)
        return rc;
    struct dact *acts = ly_arena_alloc(cx->a, p.ntok * sizeof(*acts));
    struct ddb_update *u = ly_arena_calloc(cx->a, sizeof(*u));
    if (!acts || !u)
        return ddb_err_nomem(err);
    rc = parse_clauses(&p, acts, p.ntok, &n);
    if (!rc)
        rc = validate(&p, acts, n);
    if (rc)
        return rc;
    u->acts = acts;
    u->n = n;
    *out = u;
    return 0;
}

int ddb_update_check_keys(const struct ddb_update *u, const struct ddb_key_schema *ks,
                          struct ddb_err *err)
{
    for (size_t i = 0; i < u->n; i++) {
        const struct dpath_elem *e = &u->acts[i].path.e[0];
        const char *keys[2] = {ks->hash_name, ks->range_name};
        for (int k = 0; k < 2; k++)
            if (keys[k] && strlen(keys[k]) == e->len && memcmp(keys[k], e->name, e->len) == 0)
                return ddb_err_valid(err,
                                     "One or more parameter values were invalid: Cannot "
                                     "update attribute %s. This attribute is part of the "
                                     "key",
                                     keys[k]);
    }
    return 0;
}

bool ddb_update_creates_item(const struct ddb_update *u)
{
    for (size_t i = 0; i < u->n; i++)
        if (u->acts[i].kind == DA_SET || u->acts[i].kind == DA_ADD)
            return true;
    return false;
}

int ddb_update_project(const struct ddb_update *u, struct ly_arena *a, const struct ddb_map *item,
                       struct ddb_map *out)
{
    const struct dpath **paths = ly_arena_alloc(a, (u->n ? u->n : 1) * sizeof(*paths));
    if (!paths)
        return LY_ENOMEM;
    for (size_t i = 0; i < u->n; i++)
        paths[i] = &u->acts[i].path;
    return dproject(a, paths, u->n, item, out);
}
