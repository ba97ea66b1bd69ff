/* test_ddb_update.c - UpdateExpression parse/validation/apply, projection, key conditions, legacy parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/ddb_expr.h"

#define UE "Invalid UpdateExpression: "

static struct ly_arena arena;

static int setup(void **state)
{
    (void)state;
    ly_arena_init(&arena, 256 << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ly_arena_cleanup(&arena);
    return 0;
}

static json_t *load(const char *js)
{
    if (!js)
        return NULL;
    json_error_t je;
    json_t *j = json_loads(js, 0, &je);
    if (!j)
        fail_msg("bad json: %s (%s)", js, je.text);
    return j;
}

static char *map_text(const struct ddb_map *m)
{
    json_t *j = ddb_map_to_json(m);
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    return s;
}

/* Runs an update; returns malloc'd JSON of the new item, or "ERR:<msg>". */
static char *upd(const char *expr, const char *names, const char *values, const char *item)
{
    struct ddb_err e;
    struct ddb_expr_ctx *cx;
    const struct ddb_update *u;
    struct ddb_map old, nw;
    json_t *jn = load(names), *jv = load(values), *ji = load(item);
    int rc = ddb_expr_ctx_new(&arena, jn, jv, &cx, &e);
    if (!rc)
        rc = ddb_update_parse(cx, expr, strlen(expr), &u, &e);
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &e);
    if (!rc && ji)
        assert_int_equal(ddb_map_from_json(&arena, ji, &old, NULL), 0);
    if (!rc)
        rc = ddb_update_apply(u, &arena, ji ? &old : NULL, &nw, &e);
    json_decref(jn);
    json_decref(jv);
    json_decref(ji);
    if (rc) {
        char *s = malloc(strlen(e.msg) + 5);
        memcpy(s, "ERR:", 4);
        memcpy(s + 4, e.msg, strlen(e.msg) + 1);
        return s;
    }
    return map_text(&nw);
}

struct ucase {
    const char *expr, *values, *item, *want;
};

static const char *const VALS =
    "{\":one\":{\"N\":\"1\"},\":two\":{\"N\":\"2\"},\":s\":{\"S\":\"x\"},\":l\":{\"L\":[{\"S\":\"n\"}]},"
    "\":ss\":{\"SS\":[\"b\",\"c\"]},\":ns\":{\"NS\":[\"5\"]},\":big\":{\"N\":\"9e125\"},\":m\":{\"M\":{}},"
    "\":e50\":{\"N\":\"1e50\"},\":bs\":{\"BS\":[\"AQ==\"]},\":sa\":{\"SS\":[\"a\"]},\":t\":{\"BOOL\":true}}";

/* The subset of VALS whose keys appear (as whole tokens) in expr; malloc'd JSON or NULL. */
static char *pick_values(const char *expr)
{
    json_t *all = load(VALS), *mine = json_object();
    const char *key;
    json_t *v;
    json_object_foreach (all, key, v) {
        const char *hit = strstr(expr, key);
        while (hit) {
            char nx = hit[strlen(key)];
            if (!((nx >= 'a' && nx <= 'z') || (nx >= '0' && nx <= '9'))) {
                json_object_set(mine, key, v);
                break;
            }
            hit = strstr(hit + 1, key);
        }
    }
    char *vals = json_object_size(mine) ? json_dumps(mine, 0) : NULL;
    json_decref(mine);
    json_decref(all);
    return vals;
}

static void ucase_table(const struct ucase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *vals = pick_values(c[i].expr);
        char *got = upd(c[i].expr, NULL, vals, c[i].item);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("[%s] on %s\n  got:  %s\n  want: %s", c[i].expr,
                     c[i].item ? c[i].item : "(none)", got, c[i].want);
        free(got);
        free(vals);
    }
}

#define ITEM                                                                                              \
    "{\"p\":{\"S\":\"k\"},\"n\":{\"N\":\"5\"},\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"},{\"S\":\"c\"}]}," \
    "\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"y\":{\"L\":[{\"N\":\"0\"}]}}},\"ss\":{\"SS\":[\"a\",\"b\"]},\"s\":{\"S\":\"str\"}}"

static const struct ucase apply_cases[] = {
    {"SET a = :one", NULL, NULL, "{\"a\":{\"N\":\"1\"}}"},
    {"SET a = :one, b = :s", NULL, "{\"p\":{\"S\":\"k\"}}",
     "{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"},\"p\":{\"S\":\"k\"}}"},
    {"set a = :one", NULL, NULL, "{\"a\":{\"N\":\"1\"}}"},
    {"SET a = :one + :two", NULL, NULL, "{\"a\":{\"N\":\"3\"}}"},
    {"SET a = :one - :two", NULL, NULL, "{\"a\":{\"N\":\"-1\"}}"},
    {"SET a = nope + :one", NULL, NULL,
     "ERR:The provided expression refers to an attribute that does not exist in the item"},
    {"SET a = if_not_exists(a, :one)", NULL, NULL, "{\"a\":{\"N\":\"1\"}}"},
    {"SET a = if_not_exists(a, :one) + :two", NULL, NULL, "{\"a\":{\"N\":\"3\"}}"},
    {"SET a = :big + :big", NULL, NULL,
     "ERR:Number overflow. Attempting to store a number with magnitude larger than supported range"},
    {"SET a = :e50 + :one", NULL, NULL,
     "ERR:Number overflow. Attempting to store a number with magnitude larger than supported range"},
    {"SET a = :s + :one", NULL, NULL,
     "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
    {"SET a = list_append(:l, :l)", NULL, NULL, "{\"a\":{\"L\":[{\"S\":\"n\"},{\"S\":\"n\"}]}}"},
    {"SET a = list_append(:one, :l)", NULL, NULL,
     "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N"},
    {"ADD n :one", NULL, NULL, "{\"n\":{\"N\":\"1\"}}"},
    {"ADD ss :ss", NULL, NULL, "{\"ss\":{\"SS\":[\"b\",\"c\"]}}"},
    {"ADD a :s", NULL, NULL,
     "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
    {"ADD a :l", NULL, NULL,
     "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST"},
    {"DELETE a :one", NULL, NULL,
     "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
    {"DELETE ss :ss", NULL, NULL, "{}"},
    {"REMOVE a", NULL, NULL, "{}"},
    {"REMOVE a.b", NULL, NULL, "{}"},
    {"SET a.b = :one", NULL, NULL,
     "ERR:The document path provided in the update expression is invalid for update"},
    {"SET a[0] = :one", NULL, NULL,
     "ERR:The document path provided in the update expression is invalid for update"},
    {"SET #a = :one", NULL, NULL,
     "ERR:Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #a"},
};

static const struct ucase apply_on_item[] = {
    {"SET n = n + :one", NULL, ITEM, "n=6"},
    {"SET n = n - :two", NULL, ITEM, "n=3"},
    {"ADD n :two", NULL, ITEM, "n=7"},
    {"SET l[1] = :s", NULL, ITEM, "l=[a,x,c]"},
    {"SET l[3] = :s", NULL, ITEM, "l=[a,b,c,x]"},
    {"SET l[99] = :s", NULL, ITEM, "l=[a,b,c,x]"},
    {"SET l[99] = :s, l[5] = :two", NULL, ITEM, "l=[a,b,c,2,x]"},
    {"REMOVE l[0] SET l[2] = :s", NULL, ITEM, "l=[b,x]"},
    {"REMOVE l[0]", NULL, ITEM, "l=[b,c]"},
    {"REMOVE l[0], l[2]", NULL, ITEM, "l=[b]"},
    {"REMOVE l[2], l[0]", NULL, ITEM, "l=[b]"},
    {"REMOVE l[7]", NULL, ITEM, "l=[a,b,c]"},
    {"REMOVE zz.x", NULL, ITEM,
     "ERR:The document path provided in the update expression is invalid for update"},
    {"REMOVE zz[0]", NULL, ITEM,
     "ERR:The document path provided in the update expression is invalid for update"},
    {"SET l = list_append(l, :l)", NULL, ITEM, "l=[a,b,c,n]"},
    {"SET l = list_append(:l, l)", NULL, ITEM, "l=[n,a,b,c]"},
    {"SET m.x = :two", NULL, ITEM, "m.x=2"},
    {"SET m.z = :two", NULL, ITEM, "m.z=2"},
    {"SET m.y[0] = :two", NULL, ITEM, "m.y=[2]"},
    {"SET m.y[5] = :two", NULL, ITEM, "m.y=[0,2]"},
    {"REMOVE m.x", NULL, ITEM, "m.x=none"},
    {"ADD ss :ss", NULL, ITEM, "ss=3"},
    {"DELETE ss :sa", NULL, ITEM, "ss=1"},
    {"DELETE ss :ss", NULL, ITEM, "ss=1"},
    {"ADD ss :ns", NULL, ITEM,
     "ERR:An operand in the update expression has an incorrect data type"},
    {"ADD s :one", NULL, ITEM,
     "ERR:An operand in the update expression has an incorrect data type"},
    {"DELETE n :ss", NULL, ITEM,
     "ERR:An operand in the update expression has an incorrect data type"},
    {"SET s = s + :one", NULL, ITEM,
     "ERR:An operand in the update expression has an incorrect data type"},
    {"SET s = list_append(s, :l)", NULL, ITEM,
     "ERR:An operand in the update expression has an incorrect data type"},
    {"SET s.x = :one", NULL, ITEM,
     "ERR:The document path provided in the update expression is invalid for update"},
    {"SET l.x = :one", NULL, ITEM,
     "ERR:The document path provided in the update expression is invalid for update"},
    {"SET m[0] = :one", NULL, ITEM,
     "ERR:The document path provided in the update expression is invalid for update"},
    {"SET n = if_not_exists(n, :two)", NULL, ITEM, "n=5"},
    {"SET a = n, n = a2", NULL, ITEM,
     "ERR:The provided expression refers to an attribute that does not exist in the item"},
    {"SET a = n REMOVE n", NULL, ITEM, "a=5"},
    {"REMOVE s SET a = s", NULL, ITEM, "a=str"},
};

static void test_update_apply(void **state)
{
    (void)state;
    ucase_table(apply_cases, sizeof(apply_cases) / sizeof(apply_cases[0]));
    /* cases on the sample item, expectations computed by hand */
    for (size_t i = 0; i < sizeof(apply_on_item) / sizeof(apply_on_item[0]); i++) {
        const struct ucase *c = &apply_on_item[i];
        char *vals = pick_values(c->expr);
        char *got = upd(c->expr, NULL, vals, ITEM);
        json_t *g = json_loads(got, 0, NULL);
        char buf[256] = "";
        if (strncmp(got, "ERR:", 4) == 0) {
            snprintf(buf, sizeof(buf), "%s", got);
        } else if (!strncmp(c->want, "n=", 2)) {
            snprintf(buf, sizeof(buf), "n=%s",
                     json_string_value(json_object_get(json_object_get(g, "n"), "N")));
        } else if (!strncmp(c->want, "a=", 2)) {
            json_t *a = json_object_get(g, "a");
            const char *t = json_string_value(json_object_get(a, "N"));
            snprintf(buf, sizeof(buf), "a=%s", t ? t : json_string_value(json_object_get(a, "S")));
        } else if (!strncmp(c->want, "ss=", 3)) {
            snprintf(buf, sizeof(buf), "ss=%zu",
                     json_array_size(json_object_get(json_object_get(g, "ss"), "SS")));
        } else if (!strncmp(c->want, "l=", 2) || !strncmp(c->want, "m.y=", 4)) {
            bool isy = c->want[0] == 'm';
            json_t *l = isy ? json_object_get(json_object_get(json_object_get(g, "m"), "M"), "y")
                            : json_object_get(g, "l");
            l = json_object_get(l, "L");
            size_t o = (size_t)snprintf(buf, sizeof(buf), "%s=[", isy ? "m.y" : "l");
            for (size_t k = 0; k < json_array_size(l); k++) {
                json_t *e = json_array_get(l, k);
                const char *t = json_string_value(json_object_get(e, "S"));
                if (!t)
                    t = json_string_value(json_object_get(e, "N"));
                o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", k ? "," : "", t);
            }
            snprintf(buf + o, sizeof(buf) - o, "]");
        } else if (!strncmp(c->want, "m.", 2)) {
            char field[2] = {c->want[2], 0};
            json_t *f = json_object_get(json_object_get(json_object_get(g, "m"), "M"), field);
            snprintf(buf, sizeof(buf), "m.%s=%s", field,
                     f ? json_string_value(json_object_get(f, "N")) : "none");
        }
        if (strcmp(buf, c->want) != 0)
            fail_msg("[%s]\n  got:  %s (%s)\n  want: %s", c->expr, buf, got, c->want);
        json_decref(g);
        free(got);
        free(vals);
    }
}

static void test_update_errors(void **state)
{
    (void)state;
    static const struct {
        const char *expr, *names, *values, *want;
    } cases[] = {
        {"", NULL, NULL, UE "The expression can not be empty;"},
        {"SET", NULL, NULL, UE "Syntax error; token: \"<EOF>\", near: \"SET\""},
        {"SET a = :v,", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "Syntax error; token: \"<EOF>\", near: \",\""},
        {"SET _123 = :v", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "Syntax error; token: \"_\", near: \"SET _123\""},
        {"PUT a = :v", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "Syntax error; token: \"PUT\", near: \"PUT a\""},
        {"SET a = :v SET b = :v", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "The \"SET\" section can only be used once in an update expression;"},
        {"REMOVE a REMOVE b", NULL, NULL,
         UE "The \"REMOVE\" section can only be used once in an update expression;"},
        {"SET a = :v + :v + :v", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "Syntax error; token: \"+\", near: \":v + :v\""},
        {"ADD a b", NULL, NULL, UE "Syntax error; token: \"b\", near: \"a b\""},
        {"SET a = ((:v))", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "The expression has redundant parentheses;"},
        {"SET a = dog(b)", NULL, NULL, UE "Invalid function name; function: dog"},
        {"SET a = size(b)", NULL, NULL,
         UE "The function is not allowed in an update expression; function: size"},
        {"SET a = attribute_exists(b)", NULL, NULL,
         UE "The function is not allowed in an update expression; function: attribute_exists"},
        {"SET end = :v", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "Attribute name is a reserved keyword; reserved keyword: end"},
        {"SET a = :w", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "An expression attribute value used in expression is not defined; attribute value: :w"},
        {"SET a = if_not_exists(:v, :v)", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE "Operator or function requires a document path; operator or function: if_not_exists"},
        {"SET a = list_append(b)", NULL, NULL,
         UE
         "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1"},
        {"SET a = :v, a = :v", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE
         "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
        {"SET a.b = :v REMOVE a", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE
         "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]"},
        {"SET a[1] = :v REMOVE a.b", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE
         "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]"},
        {"SET #a = :v REMOVE a", "{\"#a\":\"a\"}", "{\":v\":{\"N\":\"1\"}}",
         UE
         "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
        {"SET a[1] = :v, a[2] = :v, a.b[1] = :v", NULL, "{\":v\":{\"N\":\"1\"}}",
         UE
         "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b, [1]]"},
        {"SET a = :v", NULL, "{\":v\":{\"N\":\"1\"},\":w\":{\"N\":\"1\"}}",
         "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
        {"REMOVE #a.#b, c[1]", "{\"#a\":\"x\",\"#b\":\"y\"}", NULL, "{}"},
        {"remove a set b = :v add c :v delete d :s", NULL,
         "{\":v\":{\"N\":\"1\"},\":s\":{\"SS\":[\"x\"]}}",
         "{\"b\":{\"N\":\"1\"},\"c\":{\"N\":\"1\"}}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = upd(cases[i].expr, cases[i].names, cases[i].values, NULL);
        const char *g = strncmp(got, "ERR:", 4) == 0 ? got + 4 : got;
        if (strcmp(g, cases[i].want) != 0)
            fail_msg("[%s]\n  got:  %s\n  want: %s", cases[i].expr, g, cases[i].want);
        free(got);
    }
}

static void test_update_keys_and_project(void **state)
{
    (void)state;
    struct ddb_err e;
    struct ddb_expr_ctx *cx;
    const struct ddb_update *u;
    struct ddb_key_schema ks = {"p", DDB_T_S, "c", DDB_T_N};
    json_t *v = load("{\":v\":{\"N\":\"1\"}}");
    assert_int_equal(ddb_expr_ctx_new(&arena, NULL, v, &cx, &e), 0);
    assert_int_equal(ddb_update_parse(cx, "SET c = :v", 10, &u, &e), 0);
    assert_int_equal(ddb_update_check_keys(u, &ks, &e), LY_EINVAL);
    assert_string_equal(
        e.msg,
        "One or more parameter values were invalid: Cannot update attribute c. This attribute is part of the key");
    assert_true(ddb_update_creates_item(u));
    assert_int_equal(ddb_update_parse(cx, "REMOVE x DELETE y :v", 20, &u, &e), LY_EINVAL);
    assert_int_equal(ddb_update_parse(cx, "REMOVE x, y", 11, &u, &e), 0);
    assert_false(ddb_update_creates_item(u));
    assert_int_equal(ddb_update_check_keys(u, &ks, &e), 0);
    assert_int_equal(ddb_update_parse(cx, "SET m.a = :v, z = :v", 20, &u, &e), 0);
    json_t *ji = load(
        "{\"m\":{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"}}},\"z\":{\"S\":\"q\"},\"o\":{\"S\":\"o\"}}");
    struct ddb_map item, out;
    assert_int_equal(ddb_map_from_json(&arena, ji, &item, NULL), 0);
    assert_int_equal(ddb_update_project(u, &arena, &item, &out), 0);
    char *s = map_text(&out);
    assert_string_equal(s, "{\"m\":{\"M\":{\"a\":{\"N\":\"1\"}}},\"z\":{\"S\":\"q\"}}");
    free(s);
    json_decref(ji);
    json_decref(v);
}

static char *proj(const char *expr, const char *names, const char *item)
{
    struct ddb_err e;
    struct ddb_expr_ctx *cx;
    const struct ddb_proj *p;
    struct ddb_map m, out;
    json_t *jn = load(names), *ji = load(item);
    int rc = ddb_expr_ctx_new(&arena, jn, NULL, &cx, &e);
    if (!rc)
        rc = ddb_proj_parse(cx, expr, strlen(expr), &p, &e);
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &e);
    json_decref(jn);
    if (rc) {
        json_decref(ji);
        char *r = malloc(strlen(e.msg) + 1);
        memcpy(r, e.msg, strlen(e.msg) + 1);
        return r;
    }
    assert_int_equal(ddb_map_from_json(&arena, ji, &m, NULL), 0);
    json_decref(ji);
    assert_int_equal(ddb_proj_apply(p, &arena, &m, &out), 0);
    return map_text(&out);
}

static void test_projection(void **state)
{
    (void)state;
    static const char *const item =
        "{\"a\":{\"S\":\"x\"},\"b\":{\"M\":{\"c\":{\"N\":\"1\"},\"d\":{\"L\":[{\"N\":\"0\"},{\"N\":\"1\"},{\"N\":\"2\"}]}}},"
        "\"l\":{\"L\":[{\"S\":\"p\"},{\"M\":{\"q\":{\"S\":\"r\"},\"s\":{\"S\":\"t\"}}}]},\"a.b\":{\"S\":\"dot\"}}";
    static const struct {
        const char *expr, *names, *want;
    } cases[] = {
        {"a", NULL, "{\"a\":{\"S\":\"x\"}}"},
        {"a, nope", NULL, "{\"a\":{\"S\":\"x\"}}"},
        {"nope", NULL, "{}"},
        {"b.c", NULL, "{\"b\":{\"M\":{\"c\":{\"N\":\"1\"}}}}"},
        {"b.d[2], b.d[0]", NULL, "{\"b\":{\"M\":{\"d\":{\"L\":[{\"N\":\"0\"},{\"N\":\"2\"}]}}}}"},
        {"b.d[7]", NULL, "{}"},
        {"l[1].q", NULL, "{\"l\":{\"L\":[{\"M\":{\"q\":{\"S\":\"r\"}}}]}}"},
        {"#ab", "{\"#ab\":\"a.b\"}", "{\"a.b\":{\"S\":\"dot\"}}"},
        {"a.b", NULL, "{}"},
        {"#x", "{\"#x\":\"a\",\"#y\":\"b\"}",
         "Value provided in ExpressionAttributeNames unused in expressions: keys: {#y}"},
        {"a, a", NULL,
         "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
        {"b, b.c", NULL,
         "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [b], path two: [b, c]"},
        {"l[0], l.x", NULL,
         "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [l, [0]], path two: [l, x]"},
        {"name", NULL,
         "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
        {"a,", NULL, "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\""},
        {"", NULL, "Invalid ProjectionExpression: The expression can not be empty;"},
        {"#q", NULL,
         "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #q"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = proj(cases[i].expr, cases[i].names, item);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("[%s]\n  got:  %s\n  want: %s", cases[i].expr, got, cases[i].want);
        free(got);
    }
}

static const char *kc(const char *expr, const char *values, struct ddb_keycond *out)
{
    static struct ddb_err e;
    static const struct ddb_key_schema ks = {"p", DDB_T_S, "c", DDB_T_N};
    struct ddb_expr_ctx *cx;
    json_t *jv = load(values);
    int rc = ddb_expr_ctx_new(&arena, NULL, jv, &cx, &e);
    json_decref(jv);
    if (!rc)
        rc = ddb_keycond_parse(cx, expr, strlen(expr), &ks, out, &e);
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &e);
    return rc ? e.msg : "";
}

static void test_keycond(void **state)
{
    (void)state;
    static const char *const V = "{\":p\":{\"S\":\"k\"},\":c\":{\"N\":\"5\"},\":d\":{\"N\":\"9\"}}";
    static const char *const VP = "{\":p\":{\"S\":\"k\"}}";
    static const char *const VPC = "{\":p\":{\"S\":\"k\"},\":c\":{\"N\":\"5\"}}";
    static const struct {
        const char *expr, *values, *want;
    } cases[] = {
        {"p = :p", VP, ""},
        {":p = p", VP, ""},
        {"p = :p AND c > :c", VPC, ""},
        {"c BETWEEN :c AND :d AND p = :p", V, ""},
        {"p = :p OR c > :c", VPC,
         "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR"},
        {"NOT p = :p", VP,
         "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: NOT"},
        {"p IN (:p)", VP,
         "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: IN"},
        {"p <> :p", VP,
         "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>"},
        {"attribute_exists(p)", NULL,
         "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: attribute_exists"},
        {"p = :p AND c > :c AND c < :d", V,
         "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"},
        {"p = :p AND p = :p", VP,
         "Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key"},
        {"c = :c", "{\":c\":{\"N\":\"5\"}}", "Query condition missed key schema element: p"},
        {"x = :p", VP, "Query condition missed key schema element: p"},
        {"p = :p AND x = :c", VPC, "Query condition missed key schema element: c"},
        {"p.x = :p", VP,
         "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes"},
        {"p > :p", VP, "Query key condition not supported"},
        {"p = :c", "{\":c\":{\"N\":\"5\"}}",
         "One or more parameter values were invalid: Condition parameter type does not match schema type"},
        {"p = :p AND begins_with(c, :c)", VPC,
         "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
        {"p = :p AND c BETWEEN :d AND :c", V,
         "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: AttributeValue: {N:5}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ddb_keycond k;
        const char *got = kc(cases[i].expr, cases[i].values, &k);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("[%s]\n  got:  %s\n  want: %s", cases[i].expr, got, cases[i].want);
    }
    struct ddb_keycond k;
    assert_string_equal(kc("p = :p AND c BETWEEN :c AND :d", V, &k), "");
    assert_int_equal(k.op, DDB_KC_BETWEEN);
    struct ddb_val x = {.type = DDB_T_N};
    static const struct {
        const char *num;
        bool in;
    } pts[] = {
        {"4", false}, {"5", true}, {"7.5", true}, {"9", true}, {"9.01", false},
    };
    for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
        assert_int_equal(ddb_num_parse(pts[i].num, strlen(pts[i].num), &x.u.num, NULL), 0);
        assert_int_equal(ddb_keycond_match(&k, &x), pts[i].in);
    }
    assert_string_equal(kc(":c >= c AND p = :p", VPC, &k), "");
    assert_int_equal(k.op, DDB_KC_LE);
    assert_string_equal(kc("p = :p", VP, &k), "");
    assert_true(ddb_keycond_match(&k, &x));
}

/* Legacy Expected: returns "" and *res, or the error message. */
static const char *expected(const char *exp, const char *op, const char *item, int *res)
{
    static struct ddb_err e;
    const struct ddb_cond *c;
    json_t *je = load(exp), *jo = op ? json_string(op) : NULL, *ji = load(item);
    int rc = ddb_legacy_expected(&arena, je, jo, &c, &e);
    if (!rc) {
        struct ddb_map m;
        if (ji)
            assert_int_equal(ddb_map_from_json(&arena, ji, &m, NULL), 0);
        *res = ddb_cond_eval(c, ji ? &m : NULL);
    }
    json_decref(je);
    json_decref(jo);
    json_decref(ji);
    return rc ? e.msg : "";
}

#define PV "One or more parameter values were invalid: "
static const char *const legacy_item =
    "{\"a\":{\"N\":\"5\"},\"s\":{\"S\":\"abc\"},\"ss\":{\"SS\":[\"x\",\"y\"]}}";
static const struct {
    const char *exp, *op;
    int want;
    const char *err;
} legacy_cases[] = {
    {"{\"a\":{\"Value\":{\"N\":\"5\"}}}", NULL, 1, ""},
    {"{\"a\":{\"Value\":{\"N\":\"5.0\"},\"Exists\":true}}", NULL, 1, ""},
    {"{\"a\":{\"Value\":{\"N\":\"6\"}}}", NULL, 0, ""},
    {"{\"q\":{\"Exists\":false}}", NULL, 1, ""},
    {"{\"a\":{\"Exists\":false}}", NULL, 0, ""},
    {"{\"a\":{\"ComparisonOperator\":\"GT\",\"AttributeValueList\":[{\"N\":\"4\"}]}}", NULL, 1, ""},
    {"{\"a\":{\"ComparisonOperator\":\"LT\",\"AttributeValueList\":[{\"N\":\"4\"}]}}", NULL, 0, ""},
    {"{\"a\":{\"ComparisonOperator\":\"NE\",\"AttributeValueList\":[{\"N\":\"4\"}]}}", NULL, 1, ""},
    {"{\"q\":{\"ComparisonOperator\":\"NE\",\"AttributeValueList\":[{\"N\":\"4\"}]}}", NULL, 1, ""},
    {"{\"a\":{\"ComparisonOperator\":\"NOT_NULL\"}}", NULL, 1, ""},
    {"{\"a\":{\"ComparisonOperator\":\"NULL\"}}", NULL, 0, ""},
    {"{\"q\":{\"ComparisonOperator\":\"NULL\"}}", NULL, 1, ""},
    {"{\"s\":{\"ComparisonOperator\":\"BEGINS_WITH\",\"AttributeValueList\":[{\"S\":\"ab\"}]}}",
     NULL, 1, ""},
    {"{\"ss\":{\"ComparisonOperator\":\"CONTAINS\",\"AttributeValueList\":[{\"S\":\"x\"}]}}", NULL,
     1, ""},
    {"{\"ss\":{\"ComparisonOperator\":\"NOT_CONTAINS\",\"AttributeValueList\":[{\"S\":\"x\"}]}}",
     NULL, 0, ""},
    {"{\"q\":{\"ComparisonOperator\":\"NOT_CONTAINS\",\"AttributeValueList\":[{\"S\":\"x\"}]}}",
     NULL, 0, ""},
    {"{\"a\":{\"ComparisonOperator\":\"IN\",\"AttributeValueList\":[{\"N\":\"1\"},{\"N\":\"5\"}]}}",
     NULL, 1, ""},
    {"{\"a\":{\"ComparisonOperator\":\"BETWEEN\",\"AttributeValueList\":[{\"N\":\"1\"},{\"N\":\"5\"}]}}",
     NULL, 1, ""},
    {"{\"a\":{\"Value\":{\"N\":\"5\"}},\"q\":{\"Value\":{\"N\":\"1\"}}}", NULL, 0, ""},
    {"{\"a\":{\"Value\":{\"N\":\"5\"}},\"q\":{\"Value\":{\"N\":\"1\"}}}", "OR", 1, ""},
    {"{\"a\":{\"Value\":{\"N\":\"5\"}},\"q\":{\"Value\":{\"N\":\"1\"}}}", "AND", 0, ""},
    {"{}", NULL, 1, ""},
    {"{\"a\":{}}", NULL, 0, PV "Value must be provided when Exists is null for Attribute: a"},
    {"{\"a\":{\"Exists\":true}}", NULL, 0,
     PV "Value must be provided when Exists is true for Attribute: a"},
    {"{\"a\":{\"Exists\":false,\"Value\":{\"N\":\"1\"}}}", NULL, 0,
     PV "Value cannot be used when Exists is false for Attribute: a"},
    {"{\"a\":{\"Exists\":true,\"ComparisonOperator\":\"EQ\"}}", NULL, 0,
     PV "Exists and ComparisonOperator cannot be used together for Attribute: a"},
    {"{\"a\":{\"ComparisonOperator\":\"EQ\"}}", NULL, 0,
     PV "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"},
    {"{\"a\":{\"ComparisonOperator\":\"IN\"}}", NULL, 0,
     PV "Value or AttributeValueList must be used with ComparisonOperator: IN for Attribute: a"},
    {"{\"a\":{\"ComparisonOperator\":\"IN\",\"AttributeValueList\":[]}}", NULL, 0,
     PV "Invalid number of argument(s) for the IN ComparisonOperator"},
    {"{\"a\":{\"ComparisonOperator\":\"NOT_NULL\"}}", NULL, 1, ""},
    {"{\"a\":{\"ComparisonOperator\":\"BETWEEN\",\"AttributeValueList\":[{\"N\":\"1\"}]}}", NULL, 0,
     PV "Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
    {"{\"a\":{\"ComparisonOperator\":\"BETWEEN\",\"AttributeValueList\":[{\"N\":\"1\"},{\"S\":\"x\"}]}}",
     NULL, 0, PV "AttributeValues inside AttributeValueList must be of same type"},
    {"{\"a\":{\"ComparisonOperator\":\"BETWEEN\",\"AttributeValueList\":[{\"N\":\"3\"},{\"N\":\"1\"}]}}",
     NULL, 0,
     "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"},
    {"{\"a\":{\"ComparisonOperator\":\"LT\",\"AttributeValueList\":[{\"SS\":[\"x\"]}]}}", NULL, 0,
     PV "ComparisonOperator LT is not valid for SS AttributeValue type"},
    {"{\"a\":{\"AttributeValueList\":[{\"N\":\"1\"}]}}", NULL, 0,
     PV "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
    {"{\"a\":{\"Value\":{\"N\":\"5\"}}}", "XOR", 0,
     "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"},
};

static void test_legacy_expected(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(legacy_cases) / sizeof(legacy_cases[0]); i++) {
        int r = -1;
        const char *got = expected(legacy_cases[i].exp, legacy_cases[i].op, legacy_item, &r);
        if (strcmp(got, legacy_cases[i].err) != 0)
            fail_msg("[%s]\n  got:  %s\n  want: %s", legacy_cases[i].exp, got, legacy_cases[i].err);
        if (!*got && r != legacy_cases[i].want)
            fail_msg("[%s] = %d, want %d", legacy_cases[i].exp, r, legacy_cases[i].want);
    }
    int r = -1;
    assert_string_equal(expected("{\"a\":{\"Exists\":false}}", NULL, NULL, &r), "");
    assert_int_equal(r, 1);
    /* A legacy filter counts a missing list as zero arguments instead. */
    struct ddb_err e;
    const struct ddb_cond *c;
    json_t *jf = load("{\"a\":{\"ComparisonOperator\":\"IN\"}}");
    assert_int_not_equal(ddb_legacy_filter(&arena, jf, NULL, &c, &e), 0);
    assert_string_equal(e.msg, PV "Invalid number of argument(s) for the IN ComparisonOperator");
    json_decref(jf);
}

static char *legacy_upd(const char *au, const char *item)
{
    struct ddb_err e;
    const struct ddb_update *u;
    struct ddb_map old, nw;
    json_t *ja = load(au), *ji = load(item);
    int rc = ddb_legacy_attribute_updates(&arena, ja, &u, &e);
    if (!rc && ji)
        assert_int_equal(ddb_map_from_json(&arena, ji, &old, NULL), 0);
    if (!rc)
        rc = ddb_update_apply(u, &arena, ji ? &old : NULL, &nw, &e);
    json_decref(ja);
    json_decref(ji);
    if (rc) {
        char *s = malloc(strlen(e.msg) + 1);
        memcpy(s, e.msg, strlen(e.msg) + 1);
        return s;
    }
    return map_text(&nw);
}

static void test_legacy_updates(void **state)
{
    (void)state;
    static const char *const item =
        "{\"n\":{\"N\":\"5\"},\"l\":{\"L\":[{\"N\":\"1\"}]},\"ss\":{\"SS\":[\"x\"]},\"s\":{\"S\":\"q\"}}";
    static const struct {
        const char *au, *want;
    } cases[] = {
        {"{\"a\":{\"Value\":{\"S\":\"v\"}}}", "\"a\":{\"S\":\"v\"}"},
        {"{\"a\":{\"Action\":\"PUT\",\"Value\":{\"S\":\"v\"}}}", "\"a\":{\"S\":\"v\"}"},
        {"{\"n\":{\"Action\":\"ADD\",\"Value\":{\"N\":\"2\"}}}", "\"n\":{\"N\":\"7\"}"},
        {"{\"z\":{\"Action\":\"ADD\",\"Value\":{\"N\":\"2\"}}}", "\"z\":{\"N\":\"2\"}"},
        {"{\"l\":{\"Action\":\"ADD\",\"Value\":{\"L\":[{\"N\":\"2\"}]}}}",
         "\"l\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}"},
        {"{\"ss\":{\"Action\":\"ADD\",\"Value\":{\"SS\":[\"y\"]}}}",
         "\"ss\":{\"SS\":[\"x\",\"y\"]}"},
        {"{\"ss\":{\"Action\":\"DELETE\",\"Value\":{\"SS\":[\"x\"]}}}", "!ss"},
        {"{\"n\":{\"Action\":\"DELETE\"}}", "!n"},
        {"{\"s\":{\"Action\":\"ADD\",\"Value\":{\"N\":\"1\"}}}",
         "Type mismatch for attribute to update"},
        {"{\"ss\":{\"Action\":\"DELETE\",\"Value\":{\"NS\":[\"1\"]}}}",
         "Type mismatch for attribute to update"},
        {"{\"a\":{\"Action\":\"PUT\"}}",
         "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"},
        {"{\"a\":{\"Action\":\"ADD\",\"Value\":{\"S\":\"x\"}}}",
         "One or more parameter values were invalid: ADD action is not supported for the type S"},
        {"{\"a\":{\"Action\":\"DELETE\",\"Value\":{\"S\":\"x\"}}}",
         "One or more parameter values were invalid: DELETE action with value is not supported for the type S"},
        {"{\"a\":{\"Action\":\"NOPE\",\"Value\":{\"S\":\"x\"}}}",
         "1 validation error detected: Value 'NOPE' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = legacy_upd(cases[i].au, item);
        const char *w = cases[i].want;
        bool ok;
        if (w[0] == '!') {
            char needle[16];
            snprintf(needle, sizeof(needle), "\"%s\":", w + 1);
            ok = got[0] == '{' && !strstr(got, needle);
        } else {
            ok = strstr(got, w) != NULL;
        }
        if (!ok)
            fail_msg("[%s]\n  got:  %s\n  want: %s", cases[i].au, got, w);
        free(got);
    }
    /* AttributesToGet */
    struct ddb_err e;
    const struct ddb_proj *p;
    json_t *names = load("[\"n\",\"s\",\"zz\"]"), *ji = load(item);
    struct ddb_map m, out;
    assert_int_equal(ddb_legacy_attributes_to_get(&arena, names, &p, &e), 0);
    assert_int_equal(ddb_map_from_json(&arena, ji, &m, NULL), 0);
    assert_int_equal(ddb_proj_apply(p, &arena, &m, &out), 0);
    char *s = map_text(&out);
    assert_string_equal(s, "{\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"q\"}}");
    free(s);
    json_decref(names);
    json_decref(ji);
    names = load("[\"a\",\"a\"]");
    assert_int_equal(ddb_legacy_attributes_to_get(&arena, names, &p, &e), LY_EINVAL);
    assert_string_equal(
        e.msg, "One or more parameter values were invalid: Duplicate value in attribute name: a");
    json_decref(names);
}

static void test_request_mixing(void **state)
{
    (void)state;
    static const struct {
        const char *req, *want;
    } cases[] = {
        {"{\"Expected\":{},\"ConditionExpression\":\"a\"}",
         "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"},
        {"{\"AttributeUpdates\":{},\"UpdateExpression\":\"a\"}",
         "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"},
        {"{\"AttributesToGet\":[],\"ProjectionExpression\":\"a\",\"Expected\":{}}",
         "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet, Expected} Expression parameters: {ProjectionExpression}"},
        {"{\"ExpressionAttributeNames\":{\"#a\":\"a\"}}",
         "ExpressionAttributeNames can only be specified when using expressions"},
        {"{\"ExpressionAttributeValues\":{\":a\":{\"S\":\"a\"}}}",
         "ExpressionAttributeValues can only be specified when using expressions"},
        {"{\"ConditionExpression\":\"a\",\"ExpressionAttributeNames\":{\"#a\":\"a\"}}", ""},
        {"{\"Expected\":{},\"ConditionExpression\":null}", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ddb_err e;
        json_t *j = load(cases[i].req);
        int rc = ddb_expr_check_request(j, &e);
        assert_string_equal(rc ? e.msg : "", cases[i].want);
        json_decref(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_apply),
        cmocka_unit_test(test_update_errors),
        cmocka_unit_test(test_update_keys_and_project),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_keycond),
        cmocka_unit_test(test_legacy_expected),
        cmocka_unit_test(test_legacy_updates),
        cmocka_unit_test(test_request_mixing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
