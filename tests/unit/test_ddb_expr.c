/* test_ddb_expr.c - Condition/Filter/KeyCondition/Projection parsing, validation messages, evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/ddb_expr.h"

#define CE "Invalid ConditionExpression: "
#define OPT "Incorrect operand type for operator or function; operator or function: "

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

/* Values used by most cases. */
static const char *const VALUES =
    "{\":s\":{\"S\":\"abc\"},\":a\":{\"S\":\"a\"},\":n\":{\"N\":\"5\"},\":n2\":{\"N\":\"10\"},"
    "\":b\":{\"B\":\"AQI=\"},\":t\":{\"BOOL\":true},\":f\":{\"BOOL\":false},\":null\":{\"NULL\":true},"
    "\":l\":{\"L\":[{\"S\":\"x\"},{\"N\":\"1\"}]},\":m\":{\"M\":{\"k\":{\"S\":\"v\"}}},"
    "\":ss\":{\"SS\":[\"b\",\"a\"]},\":ns\":{\"NS\":[\"2\",\"1\"]},\":bs\":{\"BS\":[\"AQ==\"]},"
    "\":tS\":{\"S\":\"S\"},\":tN\":{\"S\":\"N\"},\":tSS\":{\"S\":\"SS\"},\":tL\":{\"S\":\"L\"},\":tM\":{\"S\":\"M\"},"
    "\":tNULL\":{\"S\":\"NULL\"},\":tBOOL\":{\"S\":\"BOOL\"},\":tB\":{\"S\":\"B\"},\":dog\":{\"S\":\"DOG\"},"
    "\":x\":{\"S\":\"x\"},\":one\":{\"N\":\"1\"},\":zero\":{\"N\":\"0\"},\":n5\":{\"N\":\"5.00\"}}";

static const char *const ITEM =
    "{\"p\":{\"S\":\"k\"},\"s\":{\"S\":\"abc\"},\"n\":{\"N\":\"5\"},\"b\":{\"B\":\"AQID\"},"
    "\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
    "\"l\":{\"L\":[{\"S\":\"x\"},{\"N\":\"1\"},{\"SS\":[\"q\"]},{\"L\":[{\"S\":\"deep\"}]}]},"
    "\"m\":{\"M\":{\"k\":{\"S\":\"v\"},\"deepm\":{\"M\":{\"n\":{\"N\":\"7\"}}}}},"
    "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2\"]},\"bs\":{\"BS\":[\"AQ==\",\"Ag==\"]},"
    "\"a.b\":{\"S\":\"dotted\"},\"e\":{\"S\":\"\"},\"n10\":{\"N\":\"10\"},\"s2\":{\"S\":\"abc\"}}";

/* Parses (and finishes) a condition; "" on success, else the message. Evaluates into *res. */
static const char *run(enum ddb_expr_kind kind, const char *expr, const char *names,
                       const char *values, const char *item, int *res)
{
    static struct ddb_err e;
    struct ddb_expr_ctx *cx;
    const struct ddb_cond *c;
    json_t *jn = load(names), *jv = load(values), *ji = load(item);
    int rc = ddb_expr_ctx_new(&arena, jn, jv, &cx, &e);
    if (!rc)
        rc = ddb_cond_parse(cx, kind, expr, strlen(expr), &c, &e);
    if (!rc)
        rc = ddb_expr_ctx_finish(cx, &e);
    if (!rc && res) {
        struct ddb_map m;
        struct ddb_err ie;
        if (ji) {
            assert_int_equal(ddb_map_from_json(&arena, ji, &m, &ie), 0);
            *res = ddb_cond_eval(c, &m);
        } else {
            *res = ddb_cond_eval(c, NULL);
        }
    }
    json_decref(jn);
    json_decref(jv);
    json_decref(ji);
    if (rc)
        assert_int_equal(e.type, AWS_DDB_VALIDATION);
    return rc ? e.msg : "";
}

struct evcase {
    const char *expr;
    int want;
};

static void eval_table(const struct evcase *cases, size_t n, const char *names, const char *item)
{
    for (size_t i = 0; i < n; i++) {
        int r = -1;
        /* Placeholders the case does not use would be "unused": give each case only
         * what it needs by filtering VALUES. */
        json_t *all = load(VALUES), *mine = json_object();
        const char *key;
        json_t *v;
        json_object_foreach (all, key, v) {
            const char *hit = strstr(cases[i].expr, key);
            while (hit) {
                char nx = hit[strlen(key)];
                if (!((nx >= 'a' && nx <= 'z') || (nx >= 'A' && nx <= 'Z') ||
                      (nx >= '0' && nx <= '9') || nx == '_')) {
                    json_object_set(mine, key, v);
                    break;
                }
                hit = strstr(hit + 1, key);
            }
        }
        char *vals = json_object_size(mine) ? json_dumps(mine, 0) : NULL;
        const char *msg = run(DDB_EXPR_CONDITION, cases[i].expr, names, vals, item, &r);
        if (*msg)
            fail_msg("[%s] rejected: %s", cases[i].expr, msg);
        if (r != cases[i].want)
            fail_msg("[%s] = %d, want %d", cases[i].expr, r, cases[i].want);
        free(vals);
        json_decref(mine);
        json_decref(all);
    }
}

static const struct evcase compare_cases[] = {
    {"s = :s", 1},
    {"s <> :s", 0},
    {"s = s2", 1},
    {"s < :s", 0},
    {"s <= :s", 1},
    {"s > :a", 1},
    {"s >= :a", 1},
    {"s < :a", 0},
    {"n = :n", 1},
    {"n = :n5", 1},
    {"n < :n2", 1},
    {"n > :n2", 0},
    {"n >= :n", 1},
    {"n10 > n", 1},
    {"n <> :n2", 1},
    {"n <= :zero", 0},
    {"b > :b", 1},
    {"b = :b", 0},
    {"b <> :b", 1},
    {"t = :t", 1},
    {"t = :f", 0},
    {"f = :f", 1},
    {"f <> :t", 1},
    {"z = :null", 1},
    {"l = :l", 0},
    {"m = :m", 0},
    {"m.k = :x", 0},
    {"ss = :ss", 1},
    {"ns = :ns", 1},
    {"ss <> :ss", 0},
    {"bs = :bs", 0},
    /* different types: = false, <> true, ordering false */
    {"s = :n", 0},
    {"s <> :n", 1},
    {"n < :s", 0},
    {"n > :s", 0},
    {"t = :one", 0},
    /* missing attributes: everything false except <> */
    {"nx = :n", 0},
    {"nx <> :n", 1},
    {"nx < :n", 0},
    {"nx >= :n", 0},
    {"nx = nx2", 0},
    {"nx <> nx2", 1},
    {"nx < nx2", 0},
    {":n = nx", 0},
    {":n <> nx", 1},
    {":n = :n5", 1},
    {":s = :s", 1},
    {":a < :s", 1},
    /* document paths */
    {"m.k = :x", 0},
    {"m.deepm.n = :n", 0},
    {"m.deepm.n > :n", 1},
    {"l[0] = :x", 1},
    {"l[1] = :one", 1},
    {"l[3][0] = :x", 0},
    {"l[9] = :x", 0},
    {"l[9] <> :x", 1},
    {"s[0] = :x", 0},
    {"m[0] = :x", 0},
    {"l.k = :x", 0},
    {"n.x <> :x", 1},
    /* BETWEEN */
    {"n BETWEEN :zero AND :n2", 1},
    {"n BETWEEN :n AND :n", 1},
    {"n BETWEEN n10 AND :n2", 0},
    {"n10 BETWEEN :zero AND :n", 0},
    {"s BETWEEN :a AND :s", 1},
    {"s BETWEEN :zero AND :n", 0},
    {"nx BETWEEN :zero AND :n", 0},
    {"n BETWEEN :zero AND nx", 0},
    {"n BETWEEN n AND n10", 1},
    {"f BETWEEN t AND t", 0},
    /* IN */
    {"n IN (:zero, :n)", 1},
    {"n IN (:zero, :one)", 0},
    {"s IN (:n, :s)", 1},
    {"f IN (:t, :f)", 1},
    {"nx IN (:n, :s)", 0},
    {"ss IN (:ss)", 1},
    {"n IN (n10, n)", 1},
};

static void test_eval_compare(void **state)
{
    (void)state;
    eval_table(compare_cases, sizeof(compare_cases) / sizeof(compare_cases[0]), NULL, ITEM);
}

static void test_eval_functions(void **state)
{
    (void)state;
    static const struct evcase cases[] = {
        {"attribute_exists(s)", 1},
        {"attribute_exists(nx)", 0},
        {"attribute_exists(z)", 1},
        {"attribute_not_exists(nx)", 1},
        {"attribute_not_exists(p)", 0},
        {"attribute_exists(m.deepm.n)", 1},
        {"attribute_exists(m.deepm.x)", 0},
        {"attribute_exists(l[3])", 1},
        {"attribute_exists(l[4])", 0},
        {"attribute_type(s, :tS)", 1},
        {"attribute_type(s, :tN)", 0},
        {"attribute_type(n, :tN)", 1},
        {"attribute_type(ss, :tSS)", 1},
        {"attribute_type(l, :tL)", 1},
        {"attribute_type(m, :tM)", 1},
        {"attribute_type(z, :tNULL)", 1},
        {"attribute_type(f, :tBOOL)", 1},
        {"attribute_type(b, :tB)", 1},
        {"attribute_type(nx, :tS)", 0},
        {"attribute_type(:n, :tN)", 1},
        {"begins_with(s, :a)", 1},
        {"begins_with(s, :s)", 1},
        {"begins_with(s, :x)", 0},
        {"begins_with(b, :b)", 1},
        {"begins_with(n, :a)", 0},
        {"begins_with(nx, :a)", 0},
        {"begins_with(s, e)", 1},
        {"begins_with(s, s2)", 1},
        {"begins_with(:s, s)", 1},
        {"contains(s, :a)", 1},
        {"contains(s, :x)", 0},
        {"contains(s, e)", 1},
        {"contains(ss, :a)", 1},
        {"contains(ss, :x)", 0},
        {"contains(ns, :one)", 1},
        {"contains(ns, :n)", 0},
        {"contains(ss, :one)", 0},
        {"contains(l, :x)", 1},
        {"contains(l, :one)", 1},
        {"contains(l, :s)", 0},
        {"contains(n, :n)", 0},
        {"contains(nx, :a)", 0},
        {"contains(b, :b)", 1},
        {"contains(m, :x)", 0},
        {"contains(s, s2)", 1},
        {"contains(bs, b)", 0},
        {"size(s) = :n", 0},
        {"size(s) < :n", 1},
        {"size(e) = :zero", 1},
        {"size(b) > :one", 1},
        {"size(l) > :one", 1},
        {"size(ss) = :one", 0},
        {"size(m) >= :one", 1},
        {"size(n) = :one", 0},
        {"size(n) <> :one", 1},
        {"size(nx) = :zero", 0},
        {"size(nx) <> :zero", 1},
        {"size(t) > :zero", 0},
        {"size(z) > :zero", 0},
        {"size(l[3]) = :one", 1},
        {"size(m.deepm) = :one", 1},
        {"size(:s) = size(s)", 1},
        {"n IN (size(ss), size(l))", 0},
        {"size(s) BETWEEN :one AND :n", 1},
    };
    eval_table(cases, sizeof(cases) / sizeof(cases[0]), NULL, ITEM);
}

static void test_eval_logic(void **state)
{
    (void)state;
    static const struct evcase cases[] = {
        {"s = :s AND n = :n", 1},
        {"s = :s AND n = :zero", 0},
        {"s = :a OR n = :n", 1},
        {"s = :a OR n = :zero", 0},
        {"NOT s = :a", 1},
        {"NOT NOT s = :a", 0},
        {"not s = :s", 0},
        {"s = :s and n = :n", 1},
        {"s = :a or n = :n", 1},
        /* precedence: AND binds tighter than OR; NOT tighter than AND */
        {"n = :zero OR s = :s AND n = :n", 1},
        {"n = :n OR s = :a AND n = :zero", 1},
        {"(n = :n OR s = :a) AND n = :zero", 0},
        {"NOT n = :zero AND s = :s", 1},
        {"NOT (n = :n AND s = :a)", 1},
        {"NOT n = :n AND s = :a", 0},
        {"n BETWEEN :zero AND :n2 AND s = :s", 1},
        {"n BETWEEN :zero AND :n2 AND s = :a", 0},
        {"(s = :s)", 1},
        {"((s = :s) AND (n = :n))", 1},
        {"(s) = :s", 1},
        {"s = (:s)", 1},
        {"(attribute_exists(s)) AND (((n <> :zero) AND (n <> :one)) AND (s = :s))", 1},
        {"((n = :n) OR (s = :a) AND (n = :zero))", 1},
        {"attribute_not_exists(nx) OR n < :zero", 1},
        {"attribute_exists(p) AND NOT contains(ss, :x)", 1},
    };
    eval_table(cases, sizeof(cases) / sizeof(cases[0]), NULL, ITEM);
}

static void test_missing_item(void **state)
{
    (void)state;
    static const struct evcase cases[] = {
        {"attribute_not_exists(p)", 1},
        {"attribute_exists(p)", 0},
        {"p <> :s", 1},
        {"p = :s", 0},
        {"NOT p = :s", 1},
        {"size(p) <> :zero", 1},
        {"contains(p, :a)", 0},
        {"attribute_not_exists(p) OR n < :n", 1},
    };
    eval_table(cases, sizeof(cases) / sizeof(cases[0]), NULL, NULL);
}

static void test_lock_clients(void **state)
{
    (void)state;
    static const char *const names =
        "{\"#pk\":\"p\",\"#sk\":\"c\",\"#ir\":\"ir\",\"#rvn\":\"rvn\",\"#on\":\"on\"}";
    static const char *const item =
        "{\"p\":{\"S\":\"lock\"},\"c\":{\"S\":\"s\"},\"ir\":{\"BOOL\":false},\"rvn\":{\"S\":\"v1\"},"
        "\"on\":{\"S\":\"me\"}}";
    static const struct {
        const char *expr, *names, *values;
        int want_item, want_none;
    } cases[] = {
        {"attribute_not_exists(#pk)", "{\"#pk\":\"p\"}", NULL, 0, 1},
        {"attribute_not_exists(#pk) AND attribute_not_exists(#sk)", "{\"#pk\":\"p\",\"#sk\":\"c\"}",
         NULL, 0, 1},
        {"attribute_exists(#pk) AND #ir = :ir", "{\"#pk\":\"p\",\"#ir\":\"ir\"}",
         "{\":ir\":{\"BOOL\":false}}", 1, 0},
        {"attribute_exists(#pk) AND attribute_exists(#sk) AND #rvn = :rvn AND #on = :on ", NULL,
         "{\":rvn\":{\"S\":\"v1\"},\":on\":{\"S\":\"me\"}}", 1, 0},
        {"(attribute_exists(#pk) AND #rvn = :rvn AND #ir = :ir)",
         "{\"#pk\":\"p\",\"#rvn\":\"rvn\",\"#ir\":\"ir\"}",
         "{\":rvn\":{\"S\":\"v2\"},\":ir\":{\"BOOL\":false}}", 0, 0},
        {"attribute_not_exists(LockID)", NULL, NULL, 1, 1},
        {"attribute_not_exists(LockID) OR expires_at < :now", NULL, "{\":now\":{\"N\":\"100\"}}", 1,
         1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *nm = cases[i].names;
        if (!nm && strchr(cases[i].expr, '#'))
            nm = "{\"#pk\":\"p\",\"#sk\":\"c\",\"#rvn\":\"rvn\",\"#on\":\"on\"}";
        int r1 = -1, r2 = -1;
        const char *m = run(DDB_EXPR_CONDITION, cases[i].expr, nm, cases[i].values, item, &r1);
        if (*m)
            fail_msg("%s: %s", cases[i].expr, m);
        run(DDB_EXPR_CONDITION, cases[i].expr, nm, cases[i].values, NULL, &r2);
        assert_int_equal(r1, cases[i].want_item);
        assert_int_equal(r2, cases[i].want_none);
    }
    (void)names;
}

struct errcase {
    const char *expr, *names, *values, *want;
};

static void err_table(enum ddb_expr_kind kind, const struct errcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = run(kind, cases[i].expr, cases[i].names, cases[i].values, NULL, NULL);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("[%s]\n  got:  %s\n  want: %s", cases[i].expr, got, cases[i].want);
    }
}

#define V1 "{\":v\":{\"N\":\"1\"}}"
#define V2 "{\":v\":{\"N\":\"1\"},\":w\":{\"N\":\"2\"}}"

/* a 4097-byte expression, filled in by test_condition_errors */
static char cond_longexpr[5000];

static const struct errcase condition_error_cases[] = {
    {"", NULL, NULL, CE "The expression can not be empty;"},
    {"   ", NULL, NULL, CE "The expression can not be empty;"},
    {cond_longexpr, NULL, V1,
     CE "Expression size has exceeded the maximum allowed size; expression size: 4097"},
    {"a = ", NULL, V1, CE "Syntax error; token: \"<EOF>\", near: \"=\""},
    {"a", NULL, NULL, CE "Syntax error; token: \"<EOF>\", near: \"a\""},
    {":v", NULL, V1, CE "Syntax error; token: \"<EOF>\", near: \":v\""},
    {"NOT a", NULL, NULL, CE "Syntax error; token: \"<EOF>\", near: \"a\""},
    {"a = :v AND :v", NULL, V1, CE "Syntax error; token: \"<EOF>\", near: \":v\""},
    {"a = :v AND b", NULL, V1, CE "Syntax error; token: \"<EOF>\", near: \"b\""},
    {"a AND b = :v", NULL, V1, CE "Syntax error; token: \"AND\", near: \"a AND b\""},
    {"a IN ()", NULL, NULL, CE "Syntax error; token: \")\", near: \"()\""},
    {"a = = :v", NULL, V1, CE "Syntax error; token: \"=\", near: \"= = :v\""},
    {"a = :v = :v", NULL, V1, CE "Syntax error; token: \"=\", near: \":v = :v\""},
    {"_a = :v", NULL, V1, CE "Syntax error; token: \"_\", near: \"_a\""},
    {"a-b = :v", NULL, V1, CE "Syntax error; token: \"-\", near: \"a-b\""},
    {"b[:v] = :v", NULL, V1, CE "Syntax error; token: \":v\", near: \"[:v]\""},
    {"b[#_] = :v", "{\"#_\":\"x\"}", V1, CE "Syntax error; token: \"#_\", near: \"[#_]\""},
    {"asdf[a] = :v", NULL, V1, CE "Syntax error; token: \"a\", near: \"[a]\""},
    {"size(a).b = :v", NULL, V1, CE "Syntax error; token: \".\", near: \").b\""},
    {"a = 5", NULL, NULL, CE "Syntax error; token: \"5\", near: \"= 5\""},
    {"a BETWEEN :v", NULL, V1, CE "Syntax error; token: \"<EOF>\", near: \":v\""},
    {"(a = :v", NULL, V1, CE "Syntax error; token: \"<EOF>\", near: \":v\""},
    {"a = :v)", NULL, V1, CE "Syntax error; token: \")\", near: \":v)\""},
    {"((a = :v))", NULL, V1, CE "The expression has redundant parentheses;"},
    {"((((a < :v))))", NULL, V1, CE "The expression has redundant parentheses;"},
    {"a > ((b))", NULL, NULL, CE "The expression has redundant parentheses;"},
    {"a=a AND ((a=a AND a=a)) AND a=a", NULL, NULL, CE "The expression has redundant parentheses;"},
    {"(a = :v AND a = :v) AND ((a = :v OR a = :v))", NULL, V1,
     CE "The expression has redundant parentheses;"},
    {"dog(a)", NULL, NULL, CE "Invalid function name; function: dog"},
    {"attRIbute_exIsts(a)", NULL, NULL, CE "Invalid function name; function: attRIbute_exIsts"},
    {"if_not_exists(a, :v) = :v", NULL, V1,
     CE "The function is not allowed in a condition expression; function: if_not_exists"},
    {"list_append(a, :v) = :v", NULL, V1,
     CE "The function is not allowed in a condition expression; function: list_append"},
    {"size(a)", NULL, NULL,
     CE "The function is not allowed to be used this way in an expression; function: size"},
    {"attribute_exists(a) < :v", NULL, V1,
     CE
     "The function is not allowed to be used this way in an expression; function: attribute_exists"},
    {"contains(:v, c) > b", NULL, V1,
     CE "The function is not allowed to be used this way in an expression; function: contains"},
    {"size(attribute_exists(a)) = :v", NULL, V1,
     CE
     "The function is not allowed to be used this way in an expression; function: attribute_exists"},
    {"end = :v", NULL, V1, CE "Attribute name is a reserved keyword; reserved keyword: end"},
    {"a.End = :v", NULL, V1, CE "Attribute name is a reserved keyword; reserved keyword: End"},
    {"attribute_exists(Size)", NULL, NULL,
     CE "Attribute name is a reserved keyword; reserved keyword: Size"},
    {"#a = :v", NULL, V1,
     CE
     "An expression attribute name used in the document path is not defined; attribute name: #a"},
    {"a = :w", NULL, V1,
     CE "An expression attribute value used in expression is not defined; attribute value: :w"},
    {"a = :v", "{\"#a\":\"a\"}", V1,
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}"},
    {"a = :v", NULL, V2,
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
    {"a = :v", NULL, "{\":w\":{\"N\":\"1\"},\":v\":{\"N\":\"1\"},\":x\":{\"N\":\"1\"}}",
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w, :x}"},
    {"#n1 = :v OR #n2 = :w", "{\"#n1\":\"a\",\"#n2\":\"b\"}", V2, ""},
    {"size(a, a) = :v", NULL, V1,
     CE
     "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2"},
    {"attribute_exists(a, b)", NULL, NULL,
     CE
     "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
    {"begins_with(a)", NULL, NULL,
     CE
     "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1"},
    {"attribute_exists(:v)", NULL, V1,
     CE "Operator or function requires a document path; operator or function: attribute_exists"},
    {"attribute_not_exists(:v)", NULL, V1,
     CE
     "Operator or function requires a document path; operator or function: attribute_not_exists"},
    {"contains(a, a)", NULL, NULL,
     CE
     "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]"},
    {"contains(a.b[1], a.b[1])", NULL, NULL,
     CE
     "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a, b, [1]]"},
    {"attribute_type(a, :v)", NULL, V1, CE OPT "attribute_type, operand type: N"},
    {"attribute_type(a, :v)", NULL, "{\":v\":{\"S\":\"DOG\"}}",
     CE
     "Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
    {"begins_with(a, :v)", NULL, V1, CE OPT "begins_with, operand type: N"},
    {"begins_with(:v, a)", NULL, "{\":v\":{\"L\":[]}}", CE OPT "begins_with, operand type: L"},
    {"size(:v) = :v", NULL, V1, CE OPT "size, operand type: N"},
    {"size(:v) > a", NULL, "{\":v\":{\"BOOL\":true}}", CE OPT "size, operand type: BOOL"},
    {"size(size(a)) = :v", NULL, V1, CE OPT "size, operand type: N"},
    {"a < :v", NULL, "{\":v\":{\"L\":[]}}", CE OPT "<, operand type: L"},
    {"a >= :v", NULL, "{\":v\":{\"SS\":[\"x\"]}}", CE OPT ">=, operand type: SS"},
    {"a BETWEEN :v AND :w", NULL, "{\":v\":{\"M\":{}},\":w\":{\"N\":\"1\"}}",
     CE OPT "BETWEEN, operand type: M"},
    {"a BETWEEN :v AND :w", NULL, "{\":v\":{\"N\":\"2\"},\":w\":{\"S\":\"dog\"}}",
     CE
     "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {S:dog}"},
    {"a BETWEEN :w AND :v", NULL, V2,
     CE
     "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}"},
    {"a = :v", NULL, "{}", "ExpressionAttributeValues must not be empty"},
    {"a = :v", "{}", V1, "ExpressionAttributeNames must not be empty"},
    {"a = :v", "{\"a\":\"b\"}", V1,
     "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""},
    {"a = :v", NULL, "{\"v\":{\"N\":\"1\"}}",
     "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""},
    {"a = :v", NULL, "{\":v\":{\"N\":\"x\"}}",
     "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value: x for key :v"},
    {"a = :v", NULL, "{\":v\":{}}",
     "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key :v"},
    /* priorities: parens before unknown function before reserved before undefined */
    {"((dog(end)))", NULL, NULL, CE "The expression has redundant parentheses;"},
    {"dog(end) AND size(a)", NULL, NULL, CE "Invalid function name; function: dog"},
    {"size(end) AND #x = :y", NULL, NULL,
     CE "The function is not allowed to be used this way in an expression; function: size"},
    {"#x = :y AND end = :v", NULL, V1,
     CE "Attribute name is a reserved keyword; reserved keyword: end"},
    {"#0 = :0 AND #_ = :_", "{\"#0\":\"a\",\"#_\":\"b\"}",
     "{\":0\":{\"N\":\"1\"},\":_\":{\"N\":\"1\"}}", ""},
    {"#a.#b = :v", "{\"#a\":\"a\",\"#b\":\"b\"}", V1, ""},
    {"a = :v", NULL, V1, ""},
};

static void test_condition_errors(void **state)
{
    (void)state;
    memset(cond_longexpr, ' ', 4097);
    cond_longexpr[0] = 'a';
    memcpy(cond_longexpr + 4090, "= :v", 4);
    cond_longexpr[4097] = '\0';
    err_table(DDB_EXPR_CONDITION, condition_error_cases,
              sizeof(condition_error_cases) / sizeof(condition_error_cases[0]));
    /* FilterExpression uses its own prefix */
    const struct errcase f[] = {
        {"", NULL, NULL, "Invalid FilterExpression: The expression can not be empty;"},
        {"a =", NULL, NULL,
         "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"=\""},
    };
    err_table(DDB_EXPR_FILTER, f, sizeof(f) / sizeof(f[0]));
}

static void test_limits(void **state)
{
    (void)state;
    /* 300 operators pass, 301 fail */
    static char buf[8192];
    for (int n = 300; n <= 301; n++) {
        size_t o = 0;
        for (int i = 0; i < n; i++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%sNOT", i ? " " : "");
        snprintf(buf + o, sizeof(buf) - o, " attribute_exists(a)");
        /* NOT x 300 + 1 function = 301 operators; so use n-1 NOTs */
    }
    size_t o = 0;
    for (int i = 0; i < 299; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "NOT ");
    snprintf(buf + o, sizeof(buf) - o, "attribute_exists(a)");
    assert_string_equal(run(DDB_EXPR_CONDITION, buf, NULL, NULL, NULL, NULL), "");
    o = 0;
    for (int i = 0; i < 300; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "NOT ");
    snprintf(buf + o, sizeof(buf) - o, "attribute_exists(a)");
    assert_string_equal(run(DDB_EXPR_CONDITION, buf, NULL, NULL, NULL, NULL),
                        CE "The expression contains too many operators; operator count: 301");
    /* IN with 100 operands in total is fine, 101 is not */
    o = (size_t)snprintf(buf, sizeof(buf), "a IN (");
    for (int i = 0; i < 99; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s:v", i ? "," : "");
    snprintf(buf + o, sizeof(buf) - o, ")");
    assert_string_equal(run(DDB_EXPR_CONDITION, buf, NULL, V1, NULL, NULL), "");
    o = (size_t)snprintf(buf, sizeof(buf), "a IN (");
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s:v", i ? "," : "");
    snprintf(buf + o, sizeof(buf) - o, ")");
    assert_string_not_equal(run(DDB_EXPR_CONDITION, buf, NULL, V1, NULL, NULL), "");
    /* deep parentheses are bounded, not a stack overflow */
    o = 0;
    for (int i = 0; i < 2000; i++)
        buf[o++] = '(';
    buf[o] = '\0';
    assert_string_not_equal(run(DDB_EXPR_CONDITION, buf, NULL, NULL, NULL, NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_compare), cmocka_unit_test(test_eval_functions),
        cmocka_unit_test(test_eval_logic),   cmocka_unit_test(test_missing_item),
        cmocka_unit_test(test_lock_clients), cmocka_unit_test(test_condition_errors),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
