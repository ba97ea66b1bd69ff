/*
 * ddb_expr_check.c - semantic validation of parsed expressions, in DynamoDB's
 * priority order: redundant parentheses, unknown functions, misused
 * functions, reserved words, undefined placeholders, then operand counts,
 * distinct operands and literal operand types; plus path overlap checks for
 * UpdateExpression / ProjectionExpression. Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

#include <stdio.h>
#include <string.h>

#define MSG_OPTYPE "Incorrect operand type for operator or function; operator or function: "

void dpath_format(const struct dpath *path, char *buf, size_t cap)
{
    size_t o = 0;
    int w = snprintf(buf, cap, "[");
    o = w > 0 ? (size_t)w : 0;
    for (size_t i = 0; i < path->n && o < cap; i++) {
        const struct dpath_elem *e = &path->e[i];
        const char *sep = i ? ", " : "";
        if (e->is_index)
            w = snprintf(buf + o, cap - o, "%s[%u]", sep, e->index);
        else
            w = snprintf(buf + o, cap - o, "%s%.*s", sep, (int)(e->len > 200 ? 200 : e->len),
                         e->name);
        if (w > 0)
            o += (size_t)w;
    }
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
}

int dck_reserved(struct dparser *p, const struct dpath *path)
{
    for (size_t i = 0; i < path->n; i++) {
        const struct dpath_elem *e = &path->e[i];
        if (!e->is_index && e->raw[0] != '#' && ddb_reserved_word(e->raw, e->raw_len))
            return dp_fail(p, "Attribute name is a reserved keyword; reserved keyword: %.*s",
                           (int)e->raw_len, e->raw);
    }
    return 0;
}

int dck_names(struct dparser *p, struct dpath *path)
{
    for (size_t i = 0; i < path->n; i++) {
        struct dpath_elem *e = &path->e[i];
        if (e->is_index || e->raw[0] != '#')
            continue;
        size_t k;
        for (k = 0; k < p->cx->nnames; k++)
            if (p->cx->names[k].key_len == e->raw_len &&
                memcmp(p->cx->names[k].key, e->raw, e->raw_len) == 0)
                break;
        if (k == p->cx->nnames)
            return dp_fail(p,
                           "An expression attribute name used in the document path is not "
                           "defined; attribute name: %.*s",
                           (int)e->raw_len, e->raw);
        p->cx->names[k].used = true;
        e->name = p->cx->names[k].val;
        e->len = p->cx->names[k].val_len;
    }
    return 0;
}

int dck_value(struct dparser *p, struct dnode *n)
{
    for (size_t k = 0; k < p->cx->nvalues; k++) {
        if (p->cx->values[k].key_len == n->ref_len &&
            memcmp(p->cx->values[k].key, n->ref, n->ref_len) == 0) {
            p->cx->values[k].used = true;
            n->val = &p->cx->values[k].v;
            return 0;
        }
    }
    return dp_fail(p,
                   "An expression attribute value used in expression is not defined; "
                   "attribute value: %.*s",
                   (int)n->ref_len, n->ref);
}

static bool is_bool_func(enum dfunc f)
{
    return f == DF_ATTRIBUTE_EXISTS || f == DF_ATTRIBUTE_NOT_EXISTS || f == DF_ATTRIBUTE_TYPE ||
           f == DF_BEGINS_WITH || f == DF_CONTAINS;
}

static int check_func_name(struct dparser *p, const struct dnode *n)
{
    bool update = p->kind == DDB_EXPR_UPDATE;
    if (n->func == DF_UNKNOWN)
        return dp_fail(p, "Invalid function name; function: %.*s", (int)n->ref_len, n->ref);
    if (update && n->func != DF_IF_NOT_EXISTS && n->func != DF_LIST_APPEND)
        return dp_fail(p, "The function is not allowed in an update expression; function: %.*s",
                       (int)n->ref_len, n->ref);
    if (!update && (n->func == DF_IF_NOT_EXISTS || n->func == DF_LIST_APPEND))
        return dp_fail(p, "The function is not allowed in a condition expression; function: %.*s",
                       (int)n->ref_len, n->ref);
    return 0;
}

/* Type name of a literal operand for messages; NULL if n is not a literal. */
static const char *literal_type(const struct dnode *n)
{
    if (n->kind == DN_VALUE && n->val)
        return ddb_type_name(n->val->type);
    if (n->kind == DN_FUNC && n->func == DF_SIZE)
        return "N";
    return NULL;
}

static bool paths_equal(const struct dpath *a, const struct dpath *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const struct dpath_elem *x = &a->e[i], *y = &b->e[i];
        if (x->is_index != y->is_index || (x->is_index && x->index != y->index) ||
            (!x->is_index && (x->len != y->len || memcmp(x->name, y->name, x->len) != 0)))
            return false;
    }
    return true;
}

static size_t func_arity(enum dfunc f)
{
    return (f == DF_ATTRIBUTE_EXISTS || f == DF_ATTRIBUTE_NOT_EXISTS || f == DF_SIZE) ? 1 : 2;
}

static int check_attr_type(struct dparser *p, const struct dnode *n)
{
    const struct dnode *t = n->kids[1];
    const char *lt = literal_type(t);
    if (lt && strcmp(lt, "S") != 0)
        return dp_fail(p, MSG_OPTYPE "attribute_type, operand type: %s", lt);
    if (t->kind != DN_VALUE)
        return dp_fail(p, MSG_OPTYPE "attribute_type, operand type: %s",
                       t->kind == DN_PATH ? "PATH" : "FUNCTION");
    if (ddb_type_from_name(t->val->u.bytes.p, t->val->u.bytes.len) == DDB_T_NONE)
        return dp_fail(p,
                       "Invalid attribute type name found; type: %.*s, valid types: "
                       "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
                       (int)(t->val->u.bytes.len > 100 ? 100 : t->val->u.bytes.len),
                       t->val->u.bytes.p);
    return 0;
}

static int check_func_operands(struct dparser *p, const struct dnode *n)
{
    const char *fname = n->ref;
    int flen = (int)n->ref_len;
    if (n->nkids != func_arity(n->func))
        return dp_fail(p,
                       "Incorrect number of operands for operator or function; operator or "
                       "function: %.*s, number of operands: %zu",
                       flen, fname, n->nkids);
    const struct dnode *k0 = n->kids[0], *k1 = n->nkids > 1 ? n->kids[1] : NULL;
    const char *lt;
    char pbuf[512];
    switch (n->func) {
    case DF_ATTRIBUTE_EXISTS:
    case DF_ATTRIBUTE_NOT_EXISTS:
    case DF_IF_NOT_EXISTS:
        if (k0->kind != DN_PATH)
            return dp_fail(p,
                           "Operator or function requires a document path; operator or "
                           "function: %.*s",
                           flen, fname);
        return 0;
    case DF_ATTRIBUTE_TYPE: return check_attr_type(p, n);
    case DF_CONTAINS:
        if (k0->kind == DN_PATH && k1->kind == DN_PATH && paths_equal(&k0->path, &k1->path)) {
            dpath_format(&k0->path, pbuf, sizeof(pbuf));
            return dp_fail(p,
                           "The first operand must be distinct from the remaining operands "
                           "for this operator or function; operator: contains, first "
                           "operand: %s",
                           pbuf);
        }
        return 0;
    case DF_BEGINS_WITH:
        for (size_t i = 0; i < 2; i++)
            if ((lt = literal_type(n->kids[i])) && strcmp(lt, "S") && strcmp(lt, "B"))
                return dp_fail(p, MSG_OPTYPE "begins_with, operand type: %s", lt);
        return 0;
    case DF_SIZE:
        if ((lt = literal_type(k0)) && strcmp(lt, "S") && strcmp(lt, "B") && strcmp(lt, "L") &&
            strcmp(lt, "M") && strcmp(lt, "SS") && strcmp(lt, "NS") && strcmp(lt, "BS"))
            return dp_fail(p, MSG_OPTYPE "size, operand type: %s", lt);
        return 0;
    case DF_LIST_APPEND:
        for (size_t i = 0; i < 2; i++)
            if ((lt = literal_type(n->kids[i])) && strcmp(lt, "L"))
                return dp_fail(p, MSG_OPTYPE "list_append, operand type: %s", lt);
        return 0;
    case DF_UNKNOWN: break;
    }
    return 0;
}

/* "AttributeValue: {N:2}" as DynamoDB prints literal operands. */
static void av_format(const struct ddb_val *v, char *buf, size_t cap)
{
    char num[DDB_NUM_TEXT_MAX];
    if (v->type == DDB_T_N) {
        ddb_num_format(&v->u.num, num, sizeof(num));
        snprintf(buf, cap, "AttributeValue: {N:%s}", num);
    } else if (v->type == DDB_T_S) {
        snprintf(buf, cap, "AttributeValue: {S:%.*s}",
                 (int)(v->u.bytes.len > 200 ? 200 : v->u.bytes.len), v->u.bytes.p);
    } else {
        snprintf(buf, cap, "AttributeValue: {%s}", ddb_type_name(v->type));
    }
}

static int check_between(struct dparser *p, const struct dnode *n)
{
    const struct dnode *lo = n->kids[1], *hi = n->kids[2];
    char a[300], b[300];
    int c;
    if (lo->kind != DN_VALUE || hi->kind != DN_VALUE)
        return 0;
    av_format(lo->val, a, sizeof(a));
    av_format(hi->val, b, sizeof(b));
    if (lo->val->type != hi->val->type)
        return dp_fail(p,
                       "The BETWEEN operator requires same data type for lower and upper "
                       "bounds; lower bound operand: %s, upper bound operand: %s",
                       a, b);
    if (ddb_val_order(lo->val, hi->val, &c) && c > 0)
        return dp_fail(p,
                       "The BETWEEN operator requires upper bound to be greater than or equal "
                       "to lower bound; lower bound operand: %s, upper bound operand: %s",
                       a, b);
    return 0;
}

static int check_operands(struct dparser *p, const struct dnode *n)
{
    static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">="};
    const char *lt;
    switch (n->kind) {
    case DN_FUNC: return check_func_operands(p, n);
    case DN_CMP:
    case DN_BETWEEN:
        if (n->kind == DN_CMP && (n->cmp == DC_EQ || n->cmp == DC_NE))
            return 0;
        for (size_t i = 0; i < n->nkids; i++)
            if ((lt = literal_type(n->kids[i])) && strcmp(lt, "S") && strcmp(lt, "N") &&
                strcmp(lt, "B"))
                return dp_fail(p, MSG_OPTYPE "%s, operand type: %s",
                               n->kind == DN_CMP ? ops[n->cmp] : "BETWEEN", lt);
        return n->kind == DN_BETWEEN ? check_between(p, n) : 0;
    case DN_PLUS:
    case DN_MINUS:
        for (size_t i = 0; i < n->nkids; i++)
            if ((lt = literal_type(n->kids[i])) && strcmp(lt, "N"))
                return dp_fail(p, MSG_OPTYPE "%s, operand type: %s", n->kind == DN_PLUS ? "+" : "-",
                               lt);
        return 0;
    default: return 0;
    }
}

/* UpdateExpression functions may nest (list_append(if_not_exists(a, :e), :v)), except a
 * list_append directly inside another list_append, which DynamoDB refuses after parsing. An
 * if_not_exists whose first operand is not a path is refused by the operand pass. */
static int check_update_nesting(struct dparser *p, const struct dnode *n)
{
    if (n->func != DF_LIST_APPEND)
        return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind == DN_FUNC && n->kids[i]->func == DF_LIST_APPEND)
            return dp_fail(p,
                           "The function is not allowed to be used this way in an expression; "
                           "function: %.*s",
                           (int)n->kids[i]->ref_len, n->kids[i]->ref);
    return 0;
}

/* pos: 0 = condition position, 1 = operand position. */
static int visit(struct dparser *p, struct dnode *n, int pass, int pos)
{
    switch (pass) {
    case DCK_FUNC_NAME: return n->kind == DN_FUNC ? check_func_name(p, n) : 0;
    case DCK_FUNC_USE:
        if (n->kind != DN_FUNC)
            return 0;
        if (p->kind == DDB_EXPR_UPDATE)
            return check_update_nesting(p, n);
        if ((pos == 0 && !is_bool_func(n->func)) || (pos == 1 && is_bool_func(n->func)))
            return dp_fail(p,
                           "The function is not allowed to be used this way in an expression; "
                           "function: %.*s",
                           (int)n->ref_len, n->ref);
        return 0;
    case DCK_RESERVED: return n->kind == DN_PATH ? dck_reserved(p, &n->path) : 0;
    case DCK_RESOLVE:
        if (n->kind == DN_PATH)
            return dck_names(p, &n->path);
        return n->kind == DN_VALUE ? dck_value(p, n) : 0;
    case DCK_OPERANDS: return check_operands(p, n);
    default: return 0;
    }
}

static int walk(struct dparser *p, struct dnode *n, int pass, int pos)
{
    int rc = visit(p, n, pass, pos);
    int kid_pos = (n->kind == DN_AND || n->kind == DN_OR || n->kind == DN_NOT) ? 0 : 1;
    for (size_t i = 0; !rc && i < n->nkids; i++)
        rc = walk(p, n->kids[i], pass, kid_pos);
    return rc;
}

int dck_tree(struct dparser *p, struct dnode *n, int pass)
{
    return walk(p, n, pass, 1);
}

int dck_condition(struct dparser *p, struct dnode *root)
{
    if (p->redundant)
        return dp_fail(p, "The expression has redundant parentheses;");
    for (int pass = DCK_FUNC_NAME; pass <= DCK_OPERANDS; pass++) {
        int rc = walk(p, root, pass, 0);
        if (rc)
            return rc;
    }
    return 0;
}

int dck_paths_disjoint(struct dparser *p, const struct dpath *const *paths, size_t n)
{
    char a[512], b[512];
    for (size_t j = 1; j < n; j++) {
        for (size_t i = 0; i < j; i++) {
            const struct dpath *x = paths[i], *y = paths[j];
            size_t m = x->n < y->n ? x->n : y->n, k;
            bool conflict = false, differ = false;
            for (k = 0; k < m && !conflict && !differ; k++) {
                const struct dpath_elem *ex = &x->e[k], *ey = &y->e[k];
                if (ex->is_index != ey->is_index)
                    conflict = true;
                else if (ex->is_index)
                    differ = ex->index != ey->index;
                else
                    differ = ex->len != ey->len || memcmp(ex->name, ey->name, ex->len) != 0;
            }
            if (differ)
                continue;
            dpath_format(x, a, sizeof(a));
            dpath_format(y, b, sizeof(b));
            return dp_fail(p,
                           "Two document paths %s with each other; must remove or rewrite one "
                           "of these paths; path one: %s, path two: %s",
                           conflict ? "conflict" : "overlap", a, b);
        }
    }
    return 0;
}

int dck_parse_condition(struct dparser *p, struct ddb_expr_ctx *cx, enum ddb_expr_kind kind,
                        const char *text, size_t len, struct ddb_err *err, struct dnode **root)
{
    *root = NULL;
    int rc = dp_init(p, cx, kind, text, len, err);
    if (!rc)
        rc = dp_condition(p, root);
    if (!rc)
        rc = dp_expect_eof(p);
    if (!rc)
        rc = dck_condition(p, *root);
    return rc;
}
