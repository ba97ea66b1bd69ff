/*
 * ddb_expr_int.h - internal AST and parser state shared by the ddb_expr_*
 * files, ddb_update*.c, ddb_projection.c, ddb_keycond.c and ddb_legacy.c.
 * Not a public header: the server uses include/lockyard/ddb_expr.h.
 */
#ifndef LOCKYARD_DDB_EXPR_INT_H
#define LOCKYARD_DDB_EXPR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockyard/ddb_expr.h"

/* ---- tokens (ddb_expr_lex.c) ---- */

enum dtok_kind {
    DT_EOF,
    DT_NAME,
    DT_HASH,
    DT_COLON,
    DT_INT,
    DT_LP,
    DT_RP,
    DT_LB,
    DT_RB,
    DT_DOT,
    DT_COMMA,
    DT_EQ,
    DT_NE,
    DT_LT,
    DT_LE,
    DT_GT,
    DT_GE,
    DT_PLUS,
    DT_MINUS,
    DT_BAD,
};

struct dtok {
    enum dtok_kind kind;
    size_t pos, len; /* byte range in the expression text */
};

/** Splits text into tokens (last one DT_EOF). @return 0 or LY_ENOMEM. */
int dlex(struct ly_arena *a, const char *text, size_t len, struct dtok **toks, size_t *n);

/* ---- AST ---- */

struct dpath_elem {
    const char *raw; /* as written: "a", "#n" (index elements: NULL) */
    size_t raw_len;
    const char *name; /* resolved attribute name (after #placeholder lookup) */
    size_t len;
    uint32_t index;
    bool is_index;
};

struct dpath {
    struct dpath_elem *e;
    size_t n;
};

enum dkind {
    DN_PATH,
    DN_VALUE,
    DN_FUNC,
    DN_CMP,
    DN_BETWEEN,
    DN_IN,
    DN_AND,
    DN_OR,
    DN_NOT,
    DN_PLUS,
    DN_MINUS,
};

enum dfunc {
    DF_UNKNOWN,
    DF_ATTRIBUTE_EXISTS,
    DF_ATTRIBUTE_NOT_EXISTS,
    DF_ATTRIBUTE_TYPE,
    DF_BEGINS_WITH,
    DF_CONTAINS,
    DF_SIZE,
    DF_IF_NOT_EXISTS,
    DF_LIST_APPEND,
};

enum dcmp { DC_EQ, DC_NE, DC_LT, DC_LE, DC_GT, DC_GE };

struct dnode {
    enum dkind kind;
    unsigned parens;   /* pairs of parentheses directly around this node */
    size_t pos;        /* token offset in the text */
    enum dcmp cmp;     /* DN_CMP */
    struct dpath path; /* DN_PATH */
    const char *ref;   /* DN_VALUE ":v" / DN_FUNC name, as written */
    size_t ref_len;
    const struct ddb_val *val; /* DN_VALUE, after resolution */
    enum dfunc func;           /* DN_FUNC */
    struct dnode **kids;       /* operands / sub-conditions */
    size_t nkids;
};

struct ddb_cond {
    struct dnode *root;
};

enum dact_kind { DA_SET, DA_REMOVE, DA_ADD, DA_DELETE };

struct dact {
    enum dact_kind kind;
    struct dpath path;
    struct dnode *rhs; /* SET value expression; ADD/DELETE value; NULL for REMOVE */
};

struct ddb_update {
    struct dact *acts;
    size_t n;
    bool legacy; /* AttributeUpdates semantics (ADD appends lists, other messages) */
};

struct ddb_proj {
    struct dpath *paths;
    size_t n;
};

/* ---- placeholders (ddb_expr_ctx.c) ---- */

struct dname {
    const char *key, *val;
    size_t key_len, val_len;
    bool used;
};

struct dvalue {
    const char *key;
    size_t key_len;
    struct ddb_val v;
    bool used;
};

struct ddb_expr_ctx {
    struct ly_arena *a;
    struct dname *names;
    size_t nnames;
    struct dvalue *values;
    size_t nvalues;
};

/* ---- parser (ddb_expr_parse.c) ---- */

struct dparser {
    struct ddb_expr_ctx *cx;
    struct ly_arena *a;
    enum ddb_expr_kind kind;
    const char *text;
    size_t len;
    struct dtok *toks;
    size_t ntok, i;
    int depth;
    unsigned ops;
    bool redundant; /* a parenthesised node was wrapped again */
    struct ddb_err *err;
};

/** "Invalid ConditionExpression: " etc. */
const char *dkind_prefix(enum ddb_expr_kind kind);
/** Validation error with the expression prefix. @return LY_EINVAL */
int dp_fail(struct dparser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** "Syntax error; token: ..., near: ..." at the current token. */
int dp_syntax(struct dparser *p);
/** Empty/size checks and lexing. */
int dp_init(struct dparser *p, struct ddb_expr_ctx *cx, enum ddb_expr_kind kind, const char *text,
            size_t len, struct ddb_err *err);
const struct dtok *dp_peek(const struct dparser *p, size_t ahead);
bool dp_accept(struct dparser *p, enum dtok_kind k);
/** Case-insensitive keyword test on the current token. */
bool dp_is_kw(const struct dparser *p, const char *kw);
int dp_count_op(struct dparser *p);
struct dnode *dp_node(struct dparser *p, enum dkind kind);
int dp_path(struct dparser *p, struct dpath *out);
/** operand := path | :v | func(args) | '(' operand ')' (conditions allow groups). */
int dp_operand(struct dparser *p, struct dnode **out);
/** A full condition (or_expr) up to the current token. */
int dp_condition(struct dparser *p, struct dnode **out);
/** Requires the current token to be EOF. */
int dp_expect_eof(struct dparser *p);

/* ---- validation (ddb_expr_check.c) ---- */

bool ddb_reserved_word(const char *s, size_t len);
/** Formats a path as DynamoDB prints it in messages: "[a, b, [2]]". */
void dpath_format(const struct dpath *path, char *buf, size_t cap);
/** Reserved words in bare path elements. */
int dck_reserved(struct dparser *p, const struct dpath *path);
/** Resolves #placeholders of path, marks them used. */
int dck_names(struct dparser *p, struct dpath *path);
/** Resolves a :value node, marks it used. */
int dck_value(struct dparser *p, struct dnode *n);
/** All checks of a condition tree, in DynamoDB's priority order. */
int dck_condition(struct dparser *p, struct dnode *root);
/** Lexes, parses and checks a whole condition expression of kind into *root (p stays usable
 *  for further checks). */
int dck_parse_condition(struct dparser *p, struct ddb_expr_ctx *cx, enum ddb_expr_kind kind,
                        const char *text, size_t len, struct ddb_err *err, struct dnode **root);
/** Checks for overlapping / conflicting paths among n paths. */
int dck_paths_disjoint(struct dparser *p, const struct dpath *const *paths, size_t n);
/** Walks any tree applying the per-node checks that conditions and updates share. */
int dck_tree(struct dparser *p, struct dnode *n, int pass);

enum { DCK_PARENS, DCK_FUNC_NAME, DCK_FUNC_USE, DCK_RESERVED, DCK_RESOLVE, DCK_OPERANDS };

/* ---- evaluation (ddb_expr_eval.c) ---- */

/** The value at path in item (NULL item or missing path: NULL). */
const struct ddb_val *dpath_get(const struct ddb_map *item, const struct dpath *path);
/** Value of an operand node (path, :value, size()); false = no value. */
bool deval_operand(const struct dnode *n, const struct ddb_map *item, struct ddb_val *out);
bool deval_cond(const struct dnode *n, const struct ddb_map *item);
/** Projects paths of item into out (shared by projection and update). */
int dproject(struct ly_arena *a, const struct dpath *const *paths, size_t n,
             const struct ddb_map *item, struct ddb_map *out);

#endif
