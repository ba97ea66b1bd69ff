/*
 * fuzz_ddb_expr.c - libFuzzer driver for the expression parsers/validators.
 * Input: first byte selects the expression kind, the rest is the expression.
 * A fixed set of placeholders is defined; parsed conditions, updates and
 * projections are also evaluated/applied against a fixed item.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lockyard/ddb_expr.h"

static const char NAMES[] = "{\"#a\":\"a\",\"#b\":\"b\",\"#0\":\"l\",\"#d\":\"a.b\"}";
static const char VALUES[] =
    "{\":s\":{\"S\":\"x\"},\":n\":{\"N\":\"5\"},\":l\":{\"L\":[{\"N\":\"1\"}]},\":ss\":{\"SS\":[\"x\"]},"
    "\":ns\":{\"NS\":[\"1\"]},\":b\":{\"B\":\"AQ==\"},\":t\":{\"S\":\"N\"},\":m\":{\"M\":{}},\":z\":{\"NULL\":true}}";
static const char ITEM[] =
    "{\"p\":{\"S\":\"k\"},\"a\":{\"N\":\"1\"},\"b\":{\"M\":{\"c\":{\"L\":[{\"S\":\"q\"},{\"N\":\"2\"}]}}},"
    "\"l\":{\"L\":[{\"S\":\"x\"},{\"SS\":[\"x\",\"y\"]}]},\"s\":{\"SS\":[\"x\"]},\"c\":{\"N\":\"3\"}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct ly_arena a;
    struct ddb_err err;
    struct ddb_expr_ctx *cx;
    struct ddb_map item, out;
    json_t *names = json_loads(NAMES, 0, NULL), *values = json_loads(VALUES, 0, NULL);
    json_t *ji = json_loads(ITEM, 0, NULL);
    ly_arena_init(&a, 64 << 20);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (ddb_expr_ctx_new(&a, names, values, &cx, &err) == 0 &&
        ddb_map_from_json(&a, ji, &item, &err) == 0) {
        const struct ddb_cond *c;
        const struct ddb_update *u;
        const struct ddb_proj *p;
        struct ddb_keycond kc;
        struct ddb_key_schema ks = { "p", DDB_T_S, "c", DDB_T_N };
        switch (data[0] % 4) {
        case 0:
            if (ddb_cond_parse(cx, DDB_EXPR_CONDITION, text, len, &c, &err) == 0) {
                (void)ddb_cond_eval(c, &item);
                (void)ddb_cond_eval(c, NULL);
            }
            break;
        case 1:
            if (ddb_update_parse(cx, text, len, &u, &err) == 0) {
                if (ddb_update_apply(u, &a, &item, &out, &err) == 0)
                    (void)ddb_update_project(u, &a, &out, &out);
                (void)ddb_update_apply(u, &a, NULL, &out, &err);
            }
            break;
        case 2:
            if (ddb_proj_parse(cx, text, len, &p, &err) == 0)
                (void)ddb_proj_apply(p, &a, &item, &out);
            break;
        default:
            (void)ddb_keycond_parse(cx, text, len, &ks, &kc, &err);
            break;
        }
        (void)ddb_expr_ctx_finish(cx, &err);
    }
    ly_arena_cleanup(&a);
    json_decref(names);
    json_decref(values);
    json_decref(ji);
    return 0;
}
