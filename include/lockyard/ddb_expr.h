/*
 * ddb_expr.h - DynamoDB expressions: ConditionExpression, FilterExpression,
 * KeyConditionExpression, ProjectionExpression and UpdateExpression, plus the
 * legacy Expected / AttributeUpdates / AttributesToGet parameters.
 *
 * Typical use by a request handler (all memory in the request arena):
 *
 *   struct ddb_expr_ctx *cx;
 *   rc = ddb_expr_check_request(req, &err);                 // mixing rules
 *   rc = ddb_expr_ctx_new(arena, json_object_get(req, "ExpressionAttributeNames"),
 *                         json_object_get(req, "ExpressionAttributeValues"), &cx, &err);
 *   rc = ddb_update_parse(cx, text, len, &upd, &err);       // UpdateExpression first,
 *   rc = ddb_cond_parse(cx, DDB_EXPR_CONDITION, text, len, &cond, &err); // then the others
 *   rc = ddb_expr_ctx_finish(cx, &err);                     // unused #names / :values
 *   ... under the item lock:
 *   if (!ddb_cond_eval(cond, old_item)) -> ConditionalCheckFailedException
 *   rc = ddb_update_apply(upd, arena, old_item, &new_item, &err);
 *
 * Parsing validates everything DynamoDB validates before touching the item
 * (syntax, redundant parentheses, function names and usage, reserved words,
 * undefined placeholders, operand counts and literal types, path overlaps,
 * size and operator limits) and reports DynamoDB's exact message, prefixed
 * "Invalid <Kind>Expression: ", as a ValidationException (LY_EINVAL).
 * Allocation failures return LY_ENOMEM (InternalServerError).
 *
 * Parsed objects are immutable, live in the ctx arena, and may be evaluated
 * any number of times (e.g. a FilterExpression once per scanned item).
 */
#ifndef LOCKYARD_DDB_EXPR_H
#define LOCKYARD_DDB_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lockyard/arena.h"
#include "lockyard/ddb_err.h"
#include "lockyard/ddb_value.h"

#define DDB_EXPR_BYTES_MAX 4096      /* expression text length */
#define DDB_EXPR_OPERATORS_MAX 300   /* operators (comparisons, AND/OR/NOT, functions, +/-) */
#define DDB_EXPR_IN_MAX 100          /* operands of IN, left-hand side included */
#define DDB_EXPR_NESTING_MAX 400     /* parser recursion (parentheses, NOT chains, calls) */
#define DDB_EXPR_PATH_MAX 32         /* elements in one document path */
#define DDB_EXPR_TOKEN_BYTES_MAX 255 /* #name / :value placeholder length */

enum ddb_expr_kind {
    DDB_EXPR_CONDITION,     /* ConditionExpression */
    DDB_EXPR_FILTER,        /* FilterExpression */
    DDB_EXPR_KEY_CONDITION, /* KeyConditionExpression */
    DDB_EXPR_PROJECTION,    /* ProjectionExpression */
    DDB_EXPR_UPDATE,        /* UpdateExpression */
};

struct ddb_expr_ctx; /* placeholders of one request + which were used */
struct ddb_cond;     /* a parsed condition (Condition/Filter/legacy Expected) */
struct ddb_update;   /* a parsed update (UpdateExpression/legacy AttributeUpdates) */
struct ddb_proj;     /* a parsed projection (ProjectionExpression/AttributesToGet) */

/* ---- request-level checks and placeholders (ddb_expr_ctx.c) ---- */

/**
 * Checks the request object for DynamoDB's structural rules before any parse:
 * "Can not use both expression and non-expression parameters in the same
 * request: Non-expression parameters: {Expected} Expression parameters:
 * {ConditionExpression}", "ExpressionAttributeNames can only be specified when
 * using expressions", "ExpressionAttributeValues can only be specified when
 * using expressions". req is the whole request JSON object.
 */
int ddb_expr_check_request(const json_t *req, struct ddb_err *err);

/**
 * Creates the placeholder context. names/values are the request's
 * ExpressionAttributeNames / ExpressionAttributeValues objects or NULL.
 * Validates them: "ExpressionAttributeNames must not be empty",
 * "ExpressionAttributeNames contains invalid key: Syntax error; key: \"k\"",
 * "ExpressionAttributeValues contains invalid value: <msg> for key :k", ...
 * The ctx (and everything parsed through it) lives in arena a; names/values
 * are copied, so the JSON may be freed afterwards.
 */
int ddb_expr_ctx_new(struct ly_arena *a, const json_t *names, const json_t *values,
                     struct ddb_expr_ctx **out, struct ddb_err *err);

/**
 * After all of the request's expressions were parsed: rejects placeholders no
 * expression used, "Value provided in ExpressionAttributeNames unused in
 * expressions: keys: {#a, #b}" (names are checked before values).
 */
int ddb_expr_ctx_finish(const struct ddb_expr_ctx *cx, struct ddb_err *err);

/* ---- conditions (ddb_expr_parse.c, ddb_expr_check.c, ddb_expr_eval.c) ---- */

/**
 * Parses and validates a ConditionExpression (kind DDB_EXPR_CONDITION) or
 * FilterExpression (DDB_EXPR_FILTER). *out lives in the ctx arena.
 */
int ddb_cond_parse(struct ddb_expr_ctx *cx, enum ddb_expr_kind kind, const char *text, size_t len,
                   const struct ddb_cond **out, struct ddb_err *err);

/**
 * Evaluates a condition against item (NULL = the item does not exist).
 * A NULL condition (or an empty legacy Expected) is true.
 * Never fails: every type problem a literal could cause was rejected at parse
 * time, and item-side mismatches simply make comparisons false.
 */
bool ddb_cond_eval(const struct ddb_cond *c, const struct ddb_map *item);

/* ---- KeyConditionExpression (ddb_keycond.c) ---- */

enum ddb_keycond_op {
    DDB_KC_NONE, /* no sort-key condition */
    DDB_KC_EQ,
    DDB_KC_LT,
    DDB_KC_LE,
    DDB_KC_GT,
    DDB_KC_GE,
    DDB_KC_BETWEEN,     /* lo <= x <= hi */
    DDB_KC_BEGINS_WITH, /* S or B prefix */
};

struct ddb_keycond {
    const struct ddb_val *hash; /* the partition key value (type checked) */
    enum ddb_keycond_op op;     /* sort-key condition */
    const struct ddb_val *lo;   /* operand (EQ..GE, BEGINS_WITH) or lower bound */
    const struct ddb_val *hi;   /* upper bound (BETWEEN) */
};

/**
 * Parses a KeyConditionExpression against the key schema: one equality on the
 * partition key, optionally AND one condition on the sort key. Errors include
 * "Invalid operator used in KeyConditionExpression: OR", "KeyConditionExpressions
 * must only contain one condition per key", "Query condition missed key schema
 * element: <k>", "KeyConditionExpressions cannot have conditions on nested
 * attributes", "Query key condition not supported", "One or more parameter
 * values were invalid: Condition parameter type does not match schema type".
 */
int ddb_keycond_parse(struct ddb_expr_ctx *cx, const char *text, size_t len,
                      const struct ddb_key_schema *ks, struct ddb_keycond *out,
                      struct ddb_err *err);

/** True if a sort-key value satisfies kc's sort-key condition. */
bool ddb_keycond_match(const struct ddb_keycond *kc, const struct ddb_val *range_val);

/* ---- UpdateExpression (ddb_update_parse.c, ddb_update.c) ---- */

/** Parses and validates an UpdateExpression (SET/REMOVE/ADD/DELETE, any order, each once). */
int ddb_update_parse(struct ddb_expr_ctx *cx, const char *text, size_t len,
                     const struct ddb_update **out, struct ddb_err *err);

/**
 * Rejects updates of key attributes: "One or more parameter values were
 * invalid: Cannot update attribute <k>. This attribute is part of the key".
 */
int ddb_update_check_keys(const struct ddb_update *u, const struct ddb_key_schema *ks,
                          struct ddb_err *err);

/**
 * True if applying u to a missing item creates it (i.e. u has a SET, ADD or
 * legacy PUT/ADD action; REMOVE/DELETE-only updates do not create items).
 */
bool ddb_update_creates_item(const struct ddb_update *u);

/**
 * Applies u to old (NULL = no item) producing *out (new arrays in arena a;
 * unchanged sub-values are shared with old). Errors (ValidationException):
 * "The provided expression refers to an attribute that does not exist in the item",
 * "An operand in the update expression has an incorrect data type",
 * "The document path provided in the update expression is invalid for update",
 * number overflow/underflow from + and ADD, "Type mismatch for attribute to
 * update" (legacy). The caller still checks the 400 KB size of *out
 * ("Item size to update has exceeded the maximum allowed size").
 */
int ddb_update_apply(const struct ddb_update *u, struct ly_arena *a, const struct ddb_map *old,
                     struct ddb_map *out, struct ddb_err *err);

/**
 * For ReturnValues UPDATED_OLD / UPDATED_NEW: the parts of item that u's
 * action paths name (a projection on those paths). @return 0 or LY_ENOMEM.
 */
int ddb_update_project(const struct ddb_update *u, struct ly_arena *a, const struct ddb_map *item,
                       struct ddb_map *out);

/* ---- ProjectionExpression (ddb_projection.c) ---- */

/** Parses and validates a ProjectionExpression ("a, b.c, #n[2]"). */
int ddb_proj_parse(struct ddb_expr_ctx *cx, const char *text, size_t len,
                   const struct ddb_proj **out, struct ddb_err *err);

/**
 * Copies the projected parts of item into *out (maps keep the named keys,
 * lists keep the named elements in index order). Missing paths are skipped.
 * @return 0 or LY_ENOMEM.
 */
int ddb_proj_apply(const struct ddb_proj *p, struct ly_arena *a, const struct ddb_map *item,
                   struct ddb_map *out);

/* ---- legacy parameters (ddb_legacy.c) ---- */

/**
 * Converts Expected (+ ConditionalOperator, NULL = AND) into a condition with
 * DynamoDB's legacy messages ("One or more parameter values were invalid:
 * Value must be provided when Exists is true for Attribute: a", ...).
 */
int ddb_legacy_expected(struct ly_arena *a, const json_t *expected, const json_t *cond_op,
                        const struct ddb_cond **out, struct ddb_err *err);

/**
 * The same for a legacy filter (QueryFilter / ScanFilter): a ComparisonOperator given without
 * Value or AttributeValueList is an argument-count error there ("Invalid number of
 * argument(s) for the IN ComparisonOperator"), where Expected answers "Value or
 * AttributeValueList must be used with ComparisonOperator: IN for Attribute: a".
 */
int ddb_legacy_filter(struct ly_arena *a, const json_t *filter, const json_t *cond_op,
                      const struct ddb_cond **out, struct ddb_err *err);

/** Converts AttributeUpdates ({"a":{"Action":"PUT|ADD|DELETE","Value":AV}}). */
int ddb_legacy_attribute_updates(struct ly_arena *a, const json_t *updates,
                                 const struct ddb_update **out, struct ddb_err *err);

/** Converts AttributesToGet (array of names) into a projection. */
int ddb_legacy_attributes_to_get(struct ly_arena *a, const json_t *names,
                                 const struct ddb_proj **out, struct ddb_err *err);

#endif
