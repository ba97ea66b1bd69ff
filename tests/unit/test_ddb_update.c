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
    json_object_foreach(all, key, v) {
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
            fail_msg("[%s] on %s\n  got:  %s\n  want: %s", c[i].expr, c[i].item ? c[i].item : "(none)",
                     got, c[i].want);
        free(got);
        free(vals);
    }
}

#define ITEM "{\"p\":{\"S\":\"k\"},\"n\":{\"N\":\"5\"},\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"},{\"S\":\"c\"}]}," \
             "\"m\":{\"M\":{\"x\":{\"N\":\"1\"},\"y\":{\"L\":[{\"N\":\"0\"}]}}},\"ss\":{\"SS\":[\"a\",\"b\"]},\"s\":{\"S\":\"str\"}}"

static void test_update_apply(void **state)
{
    (void)state;
    static const struct ucase cases[] = {
        { "SET a = :one", NULL, NULL, "{\"a\":{\"N\":\"1\"}}" },
        { "SET a = :one, b = :s", NULL, "{\"p\":{\"S\":\"k\"}}", "{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"},\"p\":{\"S\":\"k\"}}" },
        { "set a = :one", NULL, NULL, "{\"a\":{\"N\":\"1\"}}" },
        { "SET a = :one + :two", NULL, NULL, "{\"a\":{\"N\":\"3\"}}" },
        { "SET a = :one - :two", NULL, NULL, "{\"a\":{\"N\":\"-1\"}}" },
        { "SET a = nope + :one", NULL, NULL, "ERR:The provided expression refers to an attribute that does not exist in the item" },
        { "SET a = if_not_exists(a, :one)", NULL, NULL, "{\"a\":{\"N\":\"1\"}}" },
        { "SET a = if_not_exists(a, :one) + :two", NULL, NULL, "{\"a\":{\"N\":\"3\"}}" },
        { "SET a = :big + :big", NULL, NULL, "ERR:Number overflow. Attempting to store a number with magnitude larger than supported range" },
        { "SET a = :e50 + :one", NULL, NULL, "ERR:Number overflow. Attempting to store a number with magnitude larger than supported range" },
        { "SET a = :s + :one", NULL, NULL, "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S" },
        { "SET a = list_append(:l, :l)", NULL, NULL, "{\"a\":{\"L\":[{\"S\":\"n\"},{\"S\":\"n\"}]}}" },
        { "SET a = list_append(:one, :l)", NULL, NULL, "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N" },
        { "ADD n :one", NULL, NULL, "{\"n\":{\"N\":\"1\"}}" },
        { "ADD ss :ss", NULL, NULL, "{\"ss\":{\"SS\":[\"b\",\"c\"]}}" },
        { "ADD a :s", NULL, NULL, "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING" },
        { "ADD a :l", NULL, NULL, "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST" },
        { "DELETE a :one", NULL, NULL, "ERR:Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER" },
        { "DELETE ss :ss", NULL, NULL, "{}" },
        { "REMOVE a", NULL, NULL, "{}" },
        { "REMOVE a.b", NULL, NULL, "{}" },
        { "SET a.b = :one", NULL, NULL, "ERR:The document path provided in the update expression is invalid for update" },
        { "SET a[0] = :one", NULL, NULL, "ERR:The document path provided in the update expression is invalid for update" },
        { "SET #a = :one", NULL, NULL, "ERR:Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #a" },
    };
    ucase_table(cases, sizeof(cases) / sizeof(cases[0]));
    /* cases on the sample item, expectations computed by hand */
    static const struct ucase on_item[] = {
        { "SET n = n + :one", NULL, ITEM, "n=6" },
        { "SET n = n - :two", NULL, ITEM, "n=3" },
        { "ADD n :two", NULL, ITEM, "n=7" },
        { "SET l[1] = :s", NULL, ITEM, "l=[a,x,c]" },
        { "SET l[3] = :s", NULL, ITEM, "l=[a,b,c,x]" },
        { "SET l[99] = :s", NULL, ITEM, "l=[a,b,c,x]" },
        { "REMOVE l[0]", NULL, ITEM, "l=[b,c]" },
        { "REMOVE l[0], l[2]", NULL, ITEM, "l=[b]" },
        { "REMOVE l[2], l[0]", NULL, ITEM, "l=[b]" },
        { "REMOVE l[7]", NULL, ITEM, "l=[a,b,c]" },
        { "SET l = list_append(l, :l)", NULL, ITEM, "l=[a,b,c,n]" },
        { "SET l = list_append(:l, l)", NULL, ITEM, "l=[n,a,b,c]" },
        { "SET m.x = :two", NULL, ITEM, "m.x=2" },
        { "SET m.z = :two", NULL, ITEM, "m.z=2" },
        { "SET m.y[0] = :two", NULL, ITEM, "m.y=[2]" },
        { "SET m.y[5] = :two", NULL, ITEM, "m.y=[0,2]" },
        { "REMOVE m.x", NULL, ITEM, "m.x=none" },
        { "ADD ss :ss", NULL, ITEM, "ss=3" },
        { "DELETE ss :sa", NULL, ITEM, "ss=1" },
        { "DELETE ss :ss", NULL, ITEM, "ss=1" },
        { "ADD ss :ns", NULL, ITEM, "ERR:An operand in the update expression has an incorrect data type" },
        { "ADD s :one", NULL, ITEM, "ERR:An operand in the update expression has an incorrect data type" },
        { "DELETE n :ss", NULL, ITEM, "ERR:An operand in the update expression has an incorrect data type" },
        { "SET s = s + :one", NULL, ITEM, "ERR:An operand in the update expression has an incorrect data type" },
        { "SET s = list_append(s, :l)", NULL, ITEM, "ERR:An operand in the update expression has an incorrect data type" },
        { "SET s.x = :one", NULL, ITEM, "ERR:The document path provided in the update expression is invalid for update" },
        { "SET l.x = :one", NULL, ITEM, "ERR:The document path provided in the update expression is invalid for update" },
        { "SET m[0] = :one", NULL, ITEM, "ERR:The document path provided in the update expression is invalid for update" },
        { "SET n = if_not_exists(n, :two)", NULL, ITEM, "n=5" },
        { "SET a = n, n = a2", NULL, ITEM, "ERR:The provided expression refers to an attribute that does not exist in the item" },
        { "SET a = n REMOVE n", NULL, ITEM, "a=5" },
        { "REMOVE s SET a = s", NULL, ITEM, "a=str" },
    };
    for (size_t i = 0; i < sizeof(on_item) / sizeof(on_item[0]); i++) {
        const struct ucase *c = &on_item[i];
        char *vals = pick_values(c->expr);
        char *got = upd(c->expr, NULL, vals, ITEM);
        json_t *g = json_loads(got, 0, NULL);
        char buf[256] = "";
        if (strncmp(got, "ERR:", 4) == 0) {
            snprintf(buf, sizeof(buf), "%s", got);
        } else if (!strncmp(c->want, "n=", 2)) {
            snprintf(buf, sizeof(buf), "n=%s", json_string_value(json_object_get(json_object_get(g, "n"), "N")));
        } else if (!strncmp(c->want, "a=", 2)) {
            json_t *a = json_object_get(g, "a");
            const char *t = json_string_value(json_object_get(a, "N"));
            snprintf(buf, sizeof(buf), "a=%s", t ? t : json_string_value(json_object_get(a, "S")));
        } else if (!strncmp(c->want, "ss=", 3)) {
            snprintf(buf, sizeof(buf), "ss=%zu", json_array_size(json_object_get(json_object_get(g, "ss"), "SS")));
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
            char field[2] = { c->want[2], 0 };
            json_t *f = json_object_get(json_object_get(json_object_get(g, "m"), "M"), field);
            snprintf(buf, sizeof(buf), "m.%s=%s", field, f ? json_string_value(json_object_get(f, "N")) : "none");
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
    static const struct { const char *expr, *names, *values, *want; } cases[] = {
        { "", NULL, NULL, UE "The expression can not be empty;" },
        { "SET", NULL, NULL, UE "Syntax error; token: \"<EOF>\", near: \"SET\"" },
        { "SET a = :v,", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Syntax error; token: \"<EOF>\", near: \",\"" },
        { "SET _123 = :v", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Syntax error; token: \"_\", near: \"SET _123\"" },
        { "PUT a = :v", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Syntax error; token: \"PUT\", near: \"PUT a\"" },
        { "SET a = :v SET b = :v", NULL, "{\":v\":{\"N\":\"1\"}}", UE "The \"SET\" section can only be used once in an update expression;" },
        { "REMOVE a REMOVE b", NULL, NULL, UE "The \"REMOVE\" section can only be used once in an update expression;" },
        { "SET a = :v + :v + :v", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Syntax error; token: \"+\", near: \":v + :v\"" },
        { "ADD a b", NULL, NULL, UE "Syntax error; token: \"b\", near: \"a b\"" },
        { "SET a = ((:v))", NULL, "{\":v\":{\"N\":\"1\"}}", UE "The expression has redundant parentheses;" },
        { "SET a = dog(b)", NULL, NULL, UE "Invalid function name; function: dog" },
        { "SET a = size(b)", NULL, NULL, UE "The function is not allowed in an update expression; function: size" },
        { "SET a = attribute_exists(b)", NULL, NULL, UE "The function is not allowed in an update expression; function: attribute_exists" },
        { "SET end = :v", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Attribute name is a reserved keyword; reserved keyword: end" },
        { "SET a = :w", NULL, "{\":v\":{\"N\":\"1\"}}", UE "An expression attribute value used in expression is not defined; attribute value: :w" },
        { "SET a = if_not_exists(:v, :v)", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Operator or function requires a document path; operator or function: if_not_exists" },
        { "SET a = list_append(b)", NULL, NULL, UE "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1" },
        { "SET a = :v, a = :v", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]" },
        { "SET a.b = :v REMOVE a", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]" },
        { "SET a[1] = :v REMOVE a.b", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]" },
        { "SET #a = :v REMOVE a", "{\"#a\":\"a\"}", "{\":v\":{\"N\":\"1\"}}", UE "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]" },
        { "SET a[1] = :v, a[2] = :v, a.b[1] = :v", NULL, "{\":v\":{\"N\":\"1\"}}", UE "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b, [1]]" },
        { "SET a = :v", NULL, "{\":v\":{\"N\":\"1\"},\":w\":{\"N\":\"1\"}}", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}" },
        { "REMOVE #a.#b, c[1]", "{\"#a\":\"x\",\"#b\":\"y\"}", NULL, "{}" },
        { "remove a set b = :v add c :v delete d :s", NULL, "{\":v\":{\"N\":\"1\"},\":s\":{\"SS\":[\"x\"]}}", "{\"b\":{\"N\":\"1\"},\"c\":{\"N\":\"1\"}}" },
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
    struct ddb_key_schema ks = { "p", DDB_T_S, "c", DDB_T_N };
    json_t *v = load("{\":v\":{\"N\":\"1\"}}");
    assert_int_equal(ddb_expr_ctx_new(&arena, NULL, v, &cx, &e), 0);
    assert_int_equal(ddb_update_parse(cx, "SET c = :v", 10, &u, &e), 0);
    assert_int_equal(ddb_update_check_keys(u, &ks, &e), LY_EINVAL);
    assert_string_equal(e.msg, "One or more parameter values were invalid: Cannot update attribute c. This attribute is part of the key");
    assert_true(ddb_update_creates_item(u));
    assert_int_equal(ddb_update_parse(cx, "REMOVE x DELETE y :v", 20, &u, &e), LY_EINVAL);
    assert_int_equal(ddb_update_parse(cx, "REMOVE x, y", 11, &u, &e), 0);
    assert_false(ddb_update_creates_item(u));
    assert_int_equal(ddb_update_check_keys(u, &ks, &e), 0);
    assert_int_equal(ddb_update_parse(cx, "SET m.a = :v, z = :v", 20, &u, &e), 0);
    json_t *ji = load("{\"m\":{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"2\"}}},\"z\":{\"S\":\"q\"},\"o\":{\"S\":\"o\"}}");
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
    static const struct { const char *expr, *names, *want; } cases[] = {
        { "a", NULL, "{\"a\":{\"S\":\"x\"}}" },
        { "a, nope", NULL, "{\"a\":{\"S\":\"x\"}}" },
        { "nope", NULL, "{}" },
        { "b.c", NULL, "{\"b\":{\"M\":{\"c\":{\"N\":\"1\"}}}}" },
        { "b.d[2], b.d[0]", NULL, "{\"b\":{\"M\":{\"d\":{\"L\":[{\"N\":\"0\"},{\"N\":\"2\"}]}}}}" },
        { "b.d[7]", NULL, "{}" },
        { "l[1].q", NULL, "{\"l\":{\"L\":[{\"M\":{\"q\":{\"S\":\"r\"}}}]}}" },
        { "#ab", "{\"#ab\":\"a.b\"}", "{\"a.b\":{\"S\":\"dot\"}}" },
        { "a.b", NULL, "{}" },
        { "#x", "{\"#x\":\"a\",\"#y\":\"b\"}", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#y}" },
        { "a, a", NULL, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]" },
        { "b, b.c", NULL, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [b], path two: [b, c]" },
        { "l[0], l.x", NULL, "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [l, [0]], path two: [l, x]" },
        { "name", NULL, "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name" },
        { "a,", NULL, "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"" },
        { "", NULL, "Invalid ProjectionExpression: The expression can not be empty;" },
        { "#q", NULL, "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #q" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = proj(cases[i].expr, cases[i].names, item);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("[%s]\n  got:  %s\n  want: %s", cases[i].expr, got, cases[i].want);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_update_apply), cmocka_unit_test(test_update_errors),
        cmocka_unit_test(test_update_keys_and_project), cmocka_unit_test(test_projection),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
