/*
 * ddb_expr_parse.c - recursive-descent parser shared by all expression kinds:
 * document paths, operands, function calls and the condition grammar
 *
 *   or := and (OR and)*     and := not (AND not)*     not := NOT not | pred
 *   pred := primary [ cmp operand | BETWEEN operand AND operand | IN ( operand, ... ) ]
 *   primary := '(' or ')' | path | :value | name '(' operand, ... ')'
 *
 * The parser only builds the tree and reports syntax errors; every semantic
 * rule lives in ddb_expr_check.c so that DynamoDB's error priority holds.
 * Recursion is bounded by DDB_EXPR_NESTING_MAX. Pure: no I/O, no globals.
 */
#include "ddb_expr_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *dkind_prefix(enum ddb_expr_kind kind)
{
    switch (kind) {
    case DDB_EXPR_CONDITION: return "Invalid ConditionExpression: ";
    case DDB_EXPR_FILTER: return "Invalid FilterExpression: ";
    case DDB_EXPR_KEY_CONDITION: return "Invalid KeyConditionExpression: ";
    case DDB_EXPR_PROJECTION: return "Invalid ProjectionExpression: ";
    case DDB_EXPR_UPDATE: return "Invalid UpdateExpression: ";
    }
    return "";
}

int dp_fail(struct dparser *p, const char *fmt, ...)
{
    char body[DDB_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    return ddb_err_valid(p->err, "%s%s", dkind_prefix(p->kind), body);
}

int dp_syntax(struct dparser *p)
{
    const struct dtok *cur = &p->toks[p->i];
    const struct dtok *prev = p->i > 0 ? &p->toks[p->i - 1] : NULL;
    const struct dtok *next = NULL;
    if (cur->kind != DT_EOF && p->i + 1 < p->ntok && p->toks[p->i + 1].kind != DT_EOF)
        next = &p->toks[p->i + 1];
    size_t start = prev ? prev->pos : cur->pos;
    size_t end = next ? next->pos + next->len : cur->pos + cur->len;
    if (cur->kind == DT_EOF)
        end = prev ? prev->pos + prev->len : 0;
    if (cur->kind == DT_EOF)
        return dp_fail(p, "Syntax error; token: \"<EOF>\", near: \"%.*s\"", (int)(end - start),
                       p->text + start);
    return dp_fail(p, "Syntax error; token: \"%.*s\", near: \"%.*s\"", (int)cur->len,
                   p->text + cur->pos, (int)(end - start), p->text + start);
}

int dp_init(struct dparser *p, struct ddb_expr_ctx *cx, enum ddb_expr_kind kind, const char *text,
            size_t len, struct ddb_err *err)
{
    memset(p, 0, sizeof(*p));
    p->cx = cx;
    p->a = cx->a;
    p->kind = kind;
    p->text = text;
    p->len = len;
    p->err = err;
    if (len > DDB_EXPR_BYTES_MAX)
        return dp_fail(p,
                       "Expression size has exceeded the maximum allowed size; "
                       "expression size: %zu",
                       len);
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i == len)
        return dp_fail(p, "The expression can not be empty;");
    if (dlex(p->a, text, len, &p->toks, &p->ntok))
        return ddb_err_nomem(err);
    return 0;
}

const struct dtok *dp_peek(const struct dparser *p, size_t ahead)
{
    size_t k = p->i + ahead;
    return &p->toks[k < p->ntok ? k : p->ntok - 1];
}

bool dp_accept(struct dparser *p, enum dtok_kind k)
{
    if (p->toks[p->i].kind != k)
        return false;
    if (k != DT_EOF)
        p->i++;
    return true;
}

static bool tok_is_kw(const struct dparser *p, const struct dtok *t, const char *kw)
{
    size_t n = strlen(kw);
    return t->kind == DT_NAME && t->len == n && strncasecmp(p->text + t->pos, kw, n) == 0;
}

bool dp_is_kw(const struct dparser *p, const char *kw)
{
    return tok_is_kw(p, &p->toks[p->i], kw);
}

/* Words the grammar itself uses; they cannot start a path. */
static bool tok_is_grammar_word(const struct dparser *p, const struct dtok *t)
{
    static const char *const words[] = {"AND", "OR", "NOT", "BETWEEN", "IN"};
    static const char *const update_words[] = {"SET", "REMOVE", "ADD", "DELETE"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (p->kind != DDB_EXPR_UPDATE && p->kind != DDB_EXPR_PROJECTION &&
            tok_is_kw(p, t, words[i]))
            return true;
    for (size_t i = 0; i < sizeof(update_words) / sizeof(update_words[0]); i++)
        if (p->kind == DDB_EXPR_UPDATE && tok_is_kw(p, t, update_words[i]))
            return true;
    return false;
}

int dp_count_op(struct dparser *p)
{
    if (++p->ops > DDB_EXPR_OPERATORS_MAX)
        return dp_fail(p, "The expression contains too many operators; operator count: %u", p->ops);
    return 0;
}

int dp_expect_eof(struct dparser *p)
{
    return p->toks[p->i].kind == DT_EOF ? 0 : dp_syntax(p);
}

struct dnode *dp_node(struct dparser *p, enum dkind kind)
{
    struct dnode *n = ly_arena_calloc(p->a, sizeof(*n));
    if (n) {
        n->kind = kind;
        n->pos = p->toks[p->i].pos;
    }
    return n;
}

static int set_kids(struct dparser *p, struct dnode *n, struct dnode **kids, size_t k)
{
    n->kids = ly_arena_memdup(p->a, kids, k * sizeof(*kids));
    n->nkids = k;
    return n->kids ? 0 : ddb_err_nomem(p->err);
}

static int path_elem(struct dparser *p, struct dpath_elem *e)
{
    const struct dtok *t = &p->toks[p->i];
    if ((t->kind != DT_NAME && t->kind != DT_HASH) || tok_is_grammar_word(p, t))
        return dp_syntax(p);
    memset(e, 0, sizeof(*e));
    e->raw = p->text + t->pos;
    e->raw_len = t->len;
    e->name = e->raw;
    e->len = e->raw_len;
    p->i++;
    return 0;
}

/* All the levels of a path whose first n elements were read (DynamoDB names the total). */
static size_t path_levels(const struct dparser *p, size_t n)
{
    size_t j = p->i;
    for (;;) {
        const struct dtok *t = &p->toks[j];
        if (t->kind == DT_DOT && (t[1].kind == DT_NAME || t[1].kind == DT_HASH))
            j += 2;
        else if (t->kind == DT_LB && t[1].kind == DT_INT && t[2].kind == DT_RB)
            j += 3;
        else
            return n;
        n++;
    }
}

int dp_path(struct dparser *p, struct dpath *out)
{
    struct dpath_elem el[DDB_EXPR_PATH_MAX];
    size_t n = 0;
    int rc = path_elem(p, &el[n++]);
    while (!rc) {
        const struct dtok *t = &p->toks[p->i];
        if (t->kind != DT_DOT && t->kind != DT_LB)
            break;
        if (n == DDB_EXPR_PATH_MAX)
            return dp_fail(p, "The document path has too many nesting levels; nesting levels: %zu",
                           path_levels(p, n));
        p->i++;
        if (t->kind == DT_DOT) {
            rc = path_elem(p, &el[n++]);
            continue;
        }
        const struct dtok *num = &p->toks[p->i];
        if (num->kind != DT_INT || num->len > 9)
            return dp_syntax(p);
        memset(&el[n], 0, sizeof(el[n]));
        el[n].is_index = true;
        for (size_t k = 0; k < num->len; k++)
            el[n].index = el[n].index * 10 + (uint32_t)(p->text[num->pos + k] - '0');
        n++;
        p->i++;
        if (!dp_accept(p, DT_RB))
            return dp_syntax(p);
    }
    if (rc)
        return rc;
    out->e = ly_arena_memdup(p->a, el, n * sizeof(el[0]));
    out->n = n;
    return out->e ? 0 : ddb_err_nomem(p->err);
}

static enum dfunc func_lookup(const char *s, size_t len)
{
    static const struct {
        const char *name;
        enum dfunc f;
    } tab[] = {
        {"attribute_exists", DF_ATTRIBUTE_EXISTS},
        {"attribute_not_exists", DF_ATTRIBUTE_NOT_EXISTS},
        {"attribute_type", DF_ATTRIBUTE_TYPE},
        {"begins_with", DF_BEGINS_WITH},
        {"contains", DF_CONTAINS},
        {"size", DF_SIZE},
        {"if_not_exists", DF_IF_NOT_EXISTS},
        {"list_append", DF_LIST_APPEND},
    };
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strlen(tab[i].name) == len && memcmp(tab[i].name, s, len) == 0)
            return tab[i].f;
    return DF_UNKNOWN;
}

#define FUNC_ARGS_MAX 16 /* far above any function's arity; more is a syntax error */

static int p_func(struct dparser *p, struct dnode **out)
{
    struct dnode *kids[FUNC_ARGS_MAX];
    size_t k = 0;
    const struct dtok *t = &p->toks[p->i];
    struct dnode *n = dp_node(p, DN_FUNC);
    int rc = dp_count_op(p);
    if (!n)
        return ddb_err_nomem(p->err);
    if (rc)
        return rc;
    n->ref = p->text + t->pos;
    n->ref_len = t->len;
    n->func = func_lookup(n->ref, n->ref_len);
    p->i += 2; /* name ( */
    p->depth++;
    do {
        if (k == FUNC_ARGS_MAX)
            return dp_syntax(p);
        rc = dp_operand(p, &kids[k++]);
        if (rc)
            return rc;
    } while (dp_accept(p, DT_COMMA));
    p->depth--;
    if (!dp_accept(p, DT_RP))
        return dp_syntax(p);
    *out = n;
    return set_kids(p, n, kids, k);
}

static bool is_condition_node(const struct dnode *n)
{
    return n->kind == DN_CMP || n->kind == DN_BETWEEN || n->kind == DN_IN || n->kind == DN_AND ||
           n->kind == DN_OR || n->kind == DN_NOT;
}

static int p_or(struct dparser *p, struct dnode **out);

static int p_primary(struct dparser *p, struct dnode **out)
{
    const struct dtok *t = &p->toks[p->i];
    int rc;
    if (p->depth >= DDB_EXPR_NESTING_MAX)
        return dp_syntax(p);
    if (t->kind == DT_LP) {
        p->i++;
        p->depth++;
        bool cond = p->kind != DDB_EXPR_UPDATE && p->kind != DDB_EXPR_PROJECTION;
        rc = cond ? p_or(p, out) : dp_operand(p, out);
        p->depth--;
        if (rc)
            return rc;
        if (!dp_accept(p, DT_RP))
            return dp_syntax(p);
        if ((*out)->parens)
            p->redundant = true;
        (*out)->parens++;
        return 0;
    }
    if (t->kind == DT_NAME && dp_peek(p, 1)->kind == DT_LP && !tok_is_grammar_word(p, t))
        return p_func(p, out);
    if (t->kind == DT_NAME || t->kind == DT_HASH) {
        struct dnode *n = dp_node(p, DN_PATH);
        if (!n)
            return ddb_err_nomem(p->err);
        *out = n;
        return dp_path(p, &n->path);
    }
    if (t->kind == DT_COLON) {
        struct dnode *n = dp_node(p, DN_VALUE);
        if (!n)
            return ddb_err_nomem(p->err);
        n->ref = p->text + t->pos;
        n->ref_len = t->len;
        p->i++;
        *out = n;
        return 0;
    }
    return dp_syntax(p);
}

int dp_operand(struct dparser *p, struct dnode **out)
{
    size_t at = p->i;
    int rc = p_primary(p, out);
    if (rc)
        return rc;
    if (is_condition_node(*out)) {
        p->i = at;
        return dp_syntax(p);
    }
    return 0;
}

static int p_in_list(struct dparser *p, struct dnode *n, struct dnode *lhs)
{
    struct dnode *kids[DDB_EXPR_IN_MAX + 1];
    size_t k = 0;
    kids[k++] = lhs;
    if (!dp_accept(p, DT_LP))
        return dp_syntax(p);
    do {
        if (k > DDB_EXPR_IN_MAX)
            break;
        int rc = dp_operand(p, &kids[k++]);
        if (rc)
            return rc;
    } while (dp_accept(p, DT_COMMA));
    if (k > DDB_EXPR_IN_MAX)
        return dp_fail(p, "Too many operands for IN operator; number of operands: %zu", k);
    if (!dp_accept(p, DT_RP))
        return dp_syntax(p);
    return set_kids(p, n, kids, k);
}

static int p_pred(struct dparser *p, struct dnode **out)
{
    struct dnode *x, *kids[3];
    int rc = p_primary(p, &x);
    if (rc)
        return rc;
    const struct dtok *t = &p->toks[p->i];
    enum dkind kind;
    if (t->kind >= DT_EQ && t->kind <= DT_GE)
        kind = DN_CMP;
    else if (dp_is_kw(p, "BETWEEN"))
        kind = DN_BETWEEN;
    else if (dp_is_kw(p, "IN"))
        kind = DN_IN;
    else if (is_condition_node(x) || x->kind == DN_FUNC || t->kind == DT_RP)
        return *out = x, 0;
    else
        return dp_syntax(p);
    if (is_condition_node(x))
        return dp_syntax(p);
    struct dnode *n = dp_node(p, kind);
    if (!n)
        return ddb_err_nomem(p->err);
    if ((rc = dp_count_op(p)))
        return rc;
    static const enum dcmp cmps[] = {DC_EQ, DC_NE, DC_LT, DC_LE, DC_GT, DC_GE};
    if (kind == DN_CMP)
        n->cmp = cmps[t->kind - DT_EQ];
    p->i++;
    *out = n;
    if (kind == DN_IN)
        return p_in_list(p, n, x);
    kids[0] = x;
    rc = dp_operand(p, &kids[1]);
    if (!rc && kind == DN_BETWEEN) {
        if (!dp_is_kw(p, "AND"))
            return dp_syntax(p);
        p->i++;
        rc = dp_operand(p, &kids[2]);
    }
    return rc ? rc : set_kids(p, n, kids, kind == DN_BETWEEN ? 3 : 2);
}

/* Operands of AND/OR/NOT must be conditions: "a AND :v" is a syntax error. */
static int need_condition(struct dparser *p, const struct dnode *n)
{
    return (is_condition_node(n) || n->kind == DN_FUNC) ? 0 : dp_syntax(p);
}

static int p_not(struct dparser *p, struct dnode **out)
{
    if (!dp_is_kw(p, "NOT"))
        return p_pred(p, out);
    struct dnode *n = dp_node(p, DN_NOT), *x;
    int rc = dp_count_op(p);
    if (!n)
        return ddb_err_nomem(p->err);
    if (rc)
        return rc;
    p->i++;
    if (p->depth >= DDB_EXPR_NESTING_MAX)
        return dp_syntax(p);
    p->depth++;
    rc = p_not(p, &x);
    p->depth--;
    if (!rc)
        rc = need_condition(p, x);
    *out = n;
    return rc ? rc : set_kids(p, n, &x, 1);
}

static int p_binary(struct dparser *p, struct dnode **out, bool is_or)
{
    struct dnode *l;
    int rc = is_or ? p_binary(p, &l, false) : p_not(p, &l);
    while (!rc && dp_is_kw(p, is_or ? "OR" : "AND")) {
        struct dnode *n = dp_node(p, is_or ? DN_OR : DN_AND), *kids[2];
        if (!n)
            return ddb_err_nomem(p->err);
        if ((rc = need_condition(p, l)) || (rc = dp_count_op(p)))
            return rc;
        p->i++;
        kids[0] = l;
        rc = is_or ? p_binary(p, &kids[1], false) : p_not(p, &kids[1]);
        if (!rc)
            rc = need_condition(p, kids[1]);
        if (!rc)
            rc = set_kids(p, n, kids, 2);
        l = n;
    }
    *out = l;
    return rc;
}

static int p_or(struct dparser *p, struct dnode **out)
{
    return p_binary(p, out, true);
}

int dp_condition(struct dparser *p, struct dnode **out)
{
    int rc = p_or(p, out);
    if (!rc)
        rc = need_condition(p, *out);
    return rc;
}
