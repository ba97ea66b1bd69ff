/* test_ddb_value.c - AttributeValue JSON validation, equality, ordering, sizes, keys, binary codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/ddb_value.h"

#define P "One or more parameter values were invalid: "

static struct ly_arena arena;

static int setup(void **state)
{
    (void)state;
    ly_arena_init(&arena, 64 << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ly_arena_cleanup(&arena);
    return 0;
}

/* Parses one AttributeValue; returns "" on success or the error text. */
static const char *val_err(const char *js, struct ddb_val *out)
{
    static struct ddb_err e;
    struct ddb_val tmp;
    json_error_t je;
    json_t *j = json_loads(js, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
    if (!j)
        fail_msg("bad test json %s", js);
    int rc = ddb_val_from_json(&arena, j, out ? out : &tmp, &e);
    json_decref(j);
    return rc ? e.msg : "";
}

static struct ddb_val V(const char *js) {
    struct ddb_val v;
    const char *e = val_err(js, &v);
    if (*e)
        fail_msg("%s: %s", js, e);
    return v;
}

static void
test_json_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{}",
         "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
        {"{\"X\":\"a\"}",
         "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
        {"{\"S\":null}",
         "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
        {"{\"S\":\"a\",\"N\":\"1\"}",
         "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
        {"{\"NULL\":false}", P "Null attribute value types must have the value of true"},
        {"{\"SS\":[]}", P "An string set  may not be empty"},
        {"{\"NS\":[]}", P "An number set  may not be empty"},
        {"{\"BS\":[]}", P "Binary sets should not be empty"},
        {"{\"SS\":[\"a\",\"a\"]}", P "Input collection [a, a] contains duplicates."},
        {"{\"SS\":[\"a\",\"b\",\"a\"]}", P "Input collection [a, b, a] contains duplicates."},
        {"{\"NS\":[\"1\",\"1.0\"]}", "Input collection contains duplicates"},
        {"{\"BS\":[\"YQ==\",\"YQ==\"]}",
         P "Input collection [YQ==, YQ==]of type BS contains duplicates."},
        {"{\"N\":\"dog\"}", "The parameter cannot be converted to a numeric value: dog"},
        {"{\"N\":\"\"}", "The parameter cannot be converted to a numeric value"},
        {"{\"NS\":[\"1\",\"x\"]}", "The parameter cannot be converted to a numeric value: x"},
        {"{\"N\":\"1e126\"}",
         "Number overflow. Attempting to store a number with magnitude larger than supported range"},
        {"{\"N\":123}", "NUMBER_VALUE cannot be converted to String"},
        {"{\"S\":true}", "BOOLEAN_VALUE cannot be converted to String"},
        {"{\"S\":{}}", "Start of structure or map found where not expected"},
        {"{\"S\":[]}", "Start of list found where not expected"},
        {"{\"BOOL\":\"true\"}", "STRING_VALUE cannot be converted to Boolean"},
        {"{\"M\":[]}", "Start of list found where not expected"},
        {"{\"L\":{}}", "Start of structure or map found where not expected"},
        {"{\"B\":\"abc\"}", "Base64 encoded length is expected a multiple of 4 bytes but found: 3"},
        {"{\"B\":\"ab!=\"}", "Invalid Base64 character: '!'"},
        {"{\"M\":{\"\":{\"S\":\"x\"}}}", "Empty attribute name"},
        {"{\"L\":[{\"S\":\"a\"},{}]}",
         "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
        {"{\"M\":{\"a\":{\"NULL\":false}}}",
         P "Null attribute value types must have the value of true"},
        {"\"x\"", "Expected null"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = val_err(cases[i][0], NULL);
        if (strcmp(got, cases[i][1]) != 0)
            fail_msg("%s -> \"%s\", want \"%s\"", cases[i][0], got, cases[i][1]);
    }
    static const char *const ok[] = {
        "{\"S\":\"\"}",
        "{\"B\":\"\"}",
        "{\"S\":\"a\\u0000b\"}",
        "{\"NULL\":true}",
        "{\"BOOL\":false}",
        "{\"M\":{}}",
        "{\"L\":[]}",
        "{\"SS\":[\"a\",\"b\"]}",
        "{\"NS\":[\"1\",\"2\"]}",
        "{\"S\":\"a\",\"N\":null}",
        "{\"BS\":[\"YQ==\",\"Yg==\"]}",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (*val_err(ok[i], NULL))
            fail_msg("%s rejected: %s", ok[i], val_err(ok[i], NULL));
}

static void test_depth(void **state)
{
    (void)state;
    char buf[4096];
    for (int depth = 31; depth <= 34; depth++) {
        size_t o = 0;
        for (int i = 0; i < depth; i++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "{\"L\":[");
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "{\"S\":\"x\"}");
        for (int i = 0; i < depth; i++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "]}");
        const char *e = val_err(buf, NULL);
        if (depth <= 32)
            assert_string_equal(e, "");
        else
            assert_string_equal(e, "Nesting Levels have exceeded supported limits");
    }
}

static void test_roundtrip_json(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"N\":\"1e3\"}", "{\"N\": \"1000\"}"},
        {"{\"N\":\"-0.50\"}", "{\"N\": \"-0.5\"}"},
        {"{\"B\":\"AAEC/w==\"}", "{\"B\": \"AAEC/w==\"}"},
        {"{\"B\":\"YWI=\"}", "{\"B\": \"YWI=\"}"},
        {"{\"NULL\":true}", "{\"NULL\": true}"},
        {"{\"L\":[{\"S\":\"a\"},{\"BOOL\":true}]}", "{\"L\": [{\"S\": \"a\"}, {\"BOOL\": true}]}"},
        {"{\"M\":{\"x\":{\"NS\":[\"01\"]}}}", "{\"M\": {\"x\": {\"NS\": [\"1\"]}}}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ddb_val v = V(cases[i][0]);
        json_t *j = ddb_val_to_json(&v);
        char *s = json_dumps(j, JSON_COMPACT & 0);
        assert_string_equal(s, cases[i][1]);
        free(s);
        json_decref(j);
    }
    struct ddb_val v = V("{\"B\":\"AAEC/w==\"}");
    assert_int_equal(v.u.bytes.len, 4);
    assert_int_equal((unsigned char)v.u.bytes.p[3], 0xff);
}

static void test_equal_order(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        bool eq;
    } eq[] = {
        {"{\"N\":\"3.10\"}", "{\"N\":\"3.1\"}", true},
        {"{\"N\":\"1\"}", "{\"S\":\"1\"}", false},
        {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"b\",\"a\"]}", true},
        {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\"]}", false},
        {"{\"NS\":[\"1\",\"2e0\"]}", "{\"NS\":[\"2\",\"1.0\"]}", true},
        {"{\"BS\":[\"YQ==\",\"Yg==\"]}", "{\"BS\":[\"Yg==\",\"YQ==\"]}", true},
        {"{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", "{\"L\":[{\"S\":\"a\"},{\"N\":\"1.0\"}]}", true},
        {"{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", "{\"L\":[{\"N\":\"1\"},{\"S\":\"a\"}]}", false},
        {"{\"M\":{\"a\":{\"S\":\"x\"},\"b\":{\"SS\":[\"1\",\"2\"]}}}",
         "{\"M\":{\"b\":{\"SS\":[\"2\",\"1\"]},\"a\":{\"S\":\"x\"}}}", true},
        {"{\"M\":{\"a\":{\"S\":\"x\"}}}", "{\"M\":{\"a\":{\"S\":\"x\"},\"b\":{\"S\":\"y\"}}}",
         false},
        {"{\"NULL\":true}", "{\"NULL\":true}", true},
        {"{\"BOOL\":true}", "{\"BOOL\":false}", false},
        {"{\"BOOL\":false}", "{\"BOOL\":false}", true},
        {"{\"S\":\"a\\u0000b\"}", "{\"S\":\"a\\u0000c\"}", false},
        {"{\"B\":\"\"}", "{\"B\":\"\"}", true},
    };
    for (size_t i = 0; i < sizeof(eq) / sizeof(eq[0]); i++) {
        struct ddb_val a = V(eq[i].a), b = V(eq[i].b);
        if (ddb_val_equal(&a, &b) != eq[i].eq || ddb_val_equal(&b, &a) != eq[i].eq)
            fail_msg("equal(%s, %s) != %d", eq[i].a, eq[i].b, eq[i].eq);
    }
    static const struct {
        const char *a, *b;
        int cmp;
        bool ok;
    } ord[] = {
        {"{\"S\":\"a\"}", "{\"S\":\"b\"}", -1, true},
        {"{\"S\":\"ab\"}", "{\"S\":\"a\"}", 1, true},
        {"{\"S\":\"\\u00e9\"}", "{\"S\":\"z\"}", 1, true},
        {"{\"N\":\"10\"}", "{\"N\":\"9\"}", 1, true},
        {"{\"N\":\"-10\"}", "{\"N\":\"9\"}", -1, true},
        {"{\"B\":\"gA==\"}", "{\"B\":\"fw==\"}", 1, true},
        {"{\"B\":\"AA==\"}", "{\"B\":\"AAA=\"}", -1, true},
        {"{\"S\":\"a\"}", "{\"N\":\"1\"}", 0, false},
        {"{\"L\":[]}", "{\"L\":[]}", 0, false},
        {"{\"BOOL\":true}", "{\"BOOL\":true}", 0, false},
    };
    for (size_t i = 0; i < sizeof(ord) / sizeof(ord[0]); i++) {
        struct ddb_val a = V(ord[i].a), b = V(ord[i].b);
        int c = 99;
        bool ok = ddb_val_order(&a, &b, &c);
        assert_int_equal(ok, ord[i].ok);
        if (ok)
            assert_int_equal((c > 0) - (c < 0), ord[i].cmp);
    }
}

static struct ddb_map M(const char *js) {
    struct ddb_map m;
    struct ddb_err e;
    json_t *j = json_loads(js, 0, NULL);
    assert_non_null(j);
    if (ddb_map_from_json(&arena, j, &m, &e))
        fail_msg("%s: %s", js, e.msg);
    json_decref(j);
    return m;
}

static void
test_sizes(void **state)
{
    (void)state;
    struct ddb_map m = M("{\"shirt-color\":{\"S\":\"R\"},\"shirt-size\":{\"S\":\"M\"}}");
    assert_int_equal(ddb_item_size(&m), 23);
    m = M(
        "{\"a\":{\"N\":\"123\"},\"b\":{\"BOOL\":true},\"c\":{\"NULL\":true},\"d\":{\"B\":\"AAEC\"}}");
    assert_int_equal(ddb_item_size(&m), 4 + 3 + 1 + 1 + 3);
    m = M("{\"l\":{\"L\":[{\"S\":\"ab\"},{\"N\":\"1\"}]},\"m\":{\"M\":{\"k\":{\"S\":\"v\"}}}}");
    /* l: 1 + (3 + 1+2 + 1+2) ; m: 1 + (3 + 1 + 1 + 1) */
    assert_int_equal(ddb_item_size(&m), 1 + 9 + 1 + 6);
    m = M("{\"s\":{\"SS\":[\"ab\",\"c\"]}}");
    assert_int_equal(ddb_item_size(&m), 1 + 3);
}

static void test_keys(void **state)
{
    (void)state;
    static const struct ddb_key_schema ks = {"p", DDB_T_S, "c", DDB_T_N};
    static const struct ddb_key_schema hs = {"p", DDB_T_B, NULL, DDB_T_NONE};
    struct ddb_err e;
    static char big[2100 + 40];
    static const struct {
        const struct ddb_key_schema *ks;
        const char *item;
        const char *want;
    } items[] = {
        {&ks, "{\"p\":{\"S\":\"x\"},\"c\":{\"N\":\"1\"},\"z\":{\"S\":\"\"}}", ""},
        {&ks, "{\"c\":{\"N\":\"1\"}}", P "Missing the key p in the item"},
        {&ks, "{\"p\":{\"S\":\"x\"}}", P "Missing the key c in the item"},
        {&ks, "{\"p\":{\"N\":\"1\"},\"c\":{\"N\":\"1\"}}",
         P "Type mismatch for key p expected: S actual: N"},
        {&ks, "{\"p\":{\"S\":\"\"},\"c\":{\"N\":\"1\"}}",
         "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: p"},
        {&hs, "{\"p\":{\"B\":\"\"}}",
         "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: p"},
    };
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        struct ddb_map m = M(items[i].item);
        int rc = ddb_item_check_keys(items[i].ks, &m, &e);
        assert_string_equal(rc ? e.msg : "", items[i].want);
    }
    size_t o = (size_t)snprintf(big, sizeof(big), "{\"p\":{\"S\":\"");
    memset(big + o, 'x', 2049);
    o += 2049;
    snprintf(big + o, sizeof(big) - o, "\"},\"c\":{\"N\":\"1\"}}");
    struct ddb_map m = M(big);
    assert_int_equal(ddb_item_check_keys(&ks, &m, &e), LY_EINVAL);
    assert_string_equal(e.msg,
                        P "Size of hashkey has exceeded the maximum size limit of2048 bytes");
    static const struct {
        const char *key;
        const char *want;
    } keys[] = {
        {"{\"p\":{\"S\":\"x\"},\"c\":{\"N\":\"1\"}}", ""},
        {"{\"p\":{\"S\":\"x\"}}", "The provided key element does not match the schema"},
        {"{\"p\":{\"S\":\"x\"},\"c\":{\"S\":\"1\"}}",
         "The provided key element does not match the schema"},
        {"{\"p\":{\"S\":\"x\"},\"c\":{\"N\":\"1\"},\"d\":{\"N\":\"1\"}}",
         "The provided key element does not match the schema"},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        struct ddb_map k = M(keys[i].key);
        int rc = ddb_key_check(&ks, &k, &e);
        assert_string_equal(rc ? e.msg : "", keys[i].want);
    }
    struct ddb_map item = M("{\"p\":{\"S\":\"x\"},\"c\":{\"N\":\"1\"},\"z\":{\"S\":\"q\"}}"), key;
    assert_int_equal(ddb_item_key(&arena, &ks, &item, &key), 0);
    assert_int_equal(key.n, 2);
}

static void test_binary(void **state)
{
    (void)state;
    static const char *const items[] = {
        "{}",
        "{\"p\":{\"S\":\"x\"},\"a\":{\"N\":\"-12.5e3\"},\"b\":{\"B\":\"AAEC\"},\"t\":{\"BOOL\":true},"
        "\"n\":{\"NULL\":true},\"l\":{\"L\":[{\"S\":\"\"},{\"M\":{\"q\":{\"NS\":[\"3\",\"1\",\"2\"]}}}]},"
        "\"ss\":{\"SS\":[\"z\",\"a\"]},\"bs\":{\"BS\":[\"gA==\",\"fw==\"]}}",
    };
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        struct ddb_map m = M(items[i]), back;
        struct ly_buf b, b2;
        ly_buf_init(&b, 1 << 20);
        ly_buf_init(&b2, 1 << 20);
        assert_int_equal(ddb_item_encode(&m, &b), 0);
        assert_int_equal(ddb_item_decode(&arena, b.data, b.len, &back), 0);
        struct ddb_val x = {.type = DDB_T_M, .u.map = m}, y = {.type = DDB_T_M, .u.map = back};
        assert_true(ddb_val_equal(&x, &y));
        assert_int_equal(ddb_item_encode(&back, &b2), 0);
        assert_int_equal(b.len, b2.len);
        assert_memory_equal(b.data, b2.data, b.len);
        /* every truncation and every single-byte corruption is either rejected or decodes to something */
        for (size_t k = 0; k < b.len; k++) {
            struct ddb_map t;
            assert_int_equal(ddb_item_decode(&arena, b.data, k, &t), LY_EINVAL);
            for (int bit = 0; bit < 8; bit++) {
                b.data[k] ^= (char)(1 << bit);
                int rc = ddb_item_decode(&arena, b.data, b.len, &t);
                assert_true(rc == 0 || rc == LY_EINVAL);
                b.data[k] ^= (char)(1 << bit);
            }
        }
        ly_buf_cleanup(&b);
        ly_buf_cleanup(&b2);
    }
    /* order independence: same item, different attribute order -> same bytes */
    struct ddb_map m1 = M("{\"a\":{\"SS\":[\"x\",\"y\"]},\"b\":{\"N\":\"1\"}}");
    struct ddb_map m2 = M("{\"b\":{\"N\":\"1.0\"},\"a\":{\"SS\":[\"y\",\"x\"]}}");
    struct ly_buf b1, b2;
    ly_buf_init(&b1, 4096);
    ly_buf_init(&b2, 4096);
    assert_int_equal(ddb_item_encode(&m1, &b1), 0);
    assert_int_equal(ddb_item_encode(&m2, &b2), 0);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    ly_buf_cleanup(&b1);
    ly_buf_cleanup(&b2);
    static const unsigned char bad[][8] = {
        {2, 0},               /* wrong version */
        {1, 1, 0, 1},         /* empty name */
        {1, 1, 1, 'a', 99},   /* bad type */
        {1, 1, 1, 'a', 8, 0}, /* empty set */
        {1, 1, 1, 'a', 4, 2}, /* bool 2 */
        {1, 0, 0},            /* trailing byte */
    };
    static const size_t bad_len[] = {2, 4, 5, 6, 6, 3};
    for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
        struct ddb_map t;
        assert_int_equal(ddb_item_decode(&arena, bad[i], bad_len[i], &t), LY_EINVAL);
    }
}

/* Maps of 1 to 20 attributes (sorted on the stack up to 16, by qsort beyond) encode the same
 * bytes in any order, names in byte order with a prefix before its extensions. */
static void test_binary_any_order(void **state)
{
    (void)state;
    static const char *const names[] = {"b",        "a", "ab", "A",  "a~", "aa",    "z",
                                        "\xc3\xa9", "_", "0",  "ba", "bb", "b\x01", "y",
                                        "x",        "w", "v",  "u",  "t",  "s"};
    for (size_t n = 1; n <= 20; n++) {
        struct ddb_attr fwd[20], rev[20];
        for (size_t i = 0; i < n; i++) {
            struct ddb_attr at = {names[i], strlen(names[i]), {.type = DDB_T_BOOL}};
            at.val.u.boolean = i % 2;
            fwd[i] = at;
            rev[n - 1 - i] = at;
        }
        struct ddb_map mf = {fwd, n}, mr = {rev, n}, back;
        struct ly_buf bf, br;
        ly_buf_init(&bf, 4096);
        ly_buf_init(&br, 4096);
        assert_int_equal(ddb_item_encode(&mf, &bf), 0);
        assert_int_equal(ddb_item_encode(&mr, &br), 0);
        assert_int_equal(bf.len, br.len);
        assert_memory_equal(bf.data, br.data, bf.len);
        assert_int_equal(ddb_item_decode(&arena, bf.data, bf.len, &back), 0); /* checks the order */
        assert_int_equal(back.n, n);
        ly_buf_cleanup(&bf);
        ly_buf_cleanup(&br);
    }
}

/* ddb_map_text writes the bytes json_dumps(ddb_map_to_json(m), JSON_COMPACT) gives: every
 * type, nesting, empty containers, and every character that jansson escapes or copies. */
static void test_text_matches_jansson(void **state)
{
    (void)state;
    char ctl[32 * 6 + 64];
    size_t o = 0;
    for (int c = 0; c < 32; c++) /* every control character, in JSON text */
        o += (size_t)snprintf(ctl + o, sizeof ctl - o, "\\u%04x", c);
    snprintf(ctl + o, sizeof ctl - o, "%s",
             "\\\"\\\\/\\u007f\\u00e9\\u20ac\\u2028\\ud83d\\ude00 x");
    char item[2048];
    snprintf(item, sizeof item,
             "{\"k\":{\"S\":\"%s\"},\"n\\u0001\\\"me\":{\"N\":\"-1.50e2\"},"
             "\"b\":{\"B\":\"AAEC/w==\"},\"b1\":{\"B\":\"YQ==\"},\"b2\":{\"B\":\"YWI=\"},"
             "\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
             "\"e\":{\"S\":\"\"},\"m\":{\"M\":{\"in\":{\"L\":[{\"S\":\"a\"},{\"M\":{}},"
             "{\"L\":[]},{\"N\":\"0\"}]}}},\"ss\":{\"SS\":[\"x\",\"%s\"]},"
             "\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"bs\":{\"BS\":[\"AA==\",\"AAE=\"]},"
             "\"\\u00e9\":{\"S\":\"\\u00e9\"}}",
             ctl, ctl);
    const char *items[] = {item, "{}", "{\"a\":{\"S\":\"x\"}}"};
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        json_error_t je;
        json_t *j = json_loads(items[i], JSON_ALLOW_NUL, &je);
        assert_non_null(j);
        struct ddb_map m;
        struct ddb_err e;
        assert_int_equal(ddb_map_from_json(&arena, j, &m, &e), 0);
        json_decref(j);
        json_t *back = ddb_map_to_json(&m);
        size_t want_len = json_dumpb(back, NULL, 0, JSON_COMPACT);
        char *want = malloc(want_len);
        assert_int_equal(json_dumpb(back, want, want_len, JSON_COMPACT), want_len);
        struct ly_buf b;
        ly_buf_init(&b, 1 << 20);
        assert_int_equal(ddb_map_text(&m, &b), 0);
        assert_int_equal(b.len, want_len);
        assert_memory_equal(b.data, want, want_len);
        ly_buf_cleanup(&b);
        free(want);
        json_decref(back);
    }
    /* a buffer too small for the text: LY_ENOMEM, not a cut answer */
    struct ddb_map m;
    struct ddb_err e;
    json_t *j = json_loads(item, JSON_ALLOW_NUL, NULL);
    assert_int_equal(ddb_map_from_json(&arena, j, &m, &e), 0);
    json_decref(j);
    struct ly_buf small;
    ly_buf_init(&small, 64);
    assert_int_equal(ddb_map_text(&m, &small), LY_ENOMEM);
    ly_buf_cleanup(&small);
}

/* Strings scanned a word at a time: every byte that jansson escapes (and its neighbours that it
 * does not: 0x1f/0x20, '!'/'#', '['/']', 0x7f, multi-byte UTF-8) at every position of
 * strings of 1 to 40 bytes, and long plain runs, give jansson's bytes. */
static void test_text_escapes_every_position(void **state)
{
    (void)state;
    const char *specials[] = {"\x01",
                              "\x1f",
                              " ",
                              "\"",
                              "\\",
                              "!",
                              "#",
                              "[",
                              "]",
                              "\x7f",
                              "\n",
                              "\t",
                              "\xc3\xa9",
                              "\xe2\x80\xa8",
                              "\xf0\x9f\x98\x80"};
    for (size_t len = 1; len <= 40; len++)
        for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++)
            for (size_t at = 0; at < len; at++) {
                char s[64];
                size_t sl = strlen(specials[k]), o = 0;
                for (size_t i = 0; i < len; i++) {
                    const char *piece = i == at ? specials[k] : "a";
                    memcpy(s + o, piece, i == at ? sl : 1);
                    o += i == at ? sl : 1;
                }
                struct ddb_attr at1 = {"k", 1, {.type = DDB_T_S, .u.bytes = {s, o}}};
                struct ddb_map m = {&at1, 1};
                json_t *back = ddb_map_to_json(&m);
                char *want = json_dumps(back, JSON_COMPACT);
                struct ly_buf b;
                ly_buf_init(&b, 1 << 20);
                assert_int_equal(ddb_map_text(&m, &b), 0);
                assert_string_equal(b.data, want);
                ly_buf_cleanup(&b);
                free(want);
                json_decref(back);
            }
}

/* ddb_text_run stops at the first byte a JSON string cannot hold as it is (ascii: or that is
 * not printable ASCII), at every position of runs of every length around its 16 (vector) and
 * 8 (word) byte steps, for every byte value. */
static void test_text_run_every_byte(void **state)
{
    (void)state;
    char s[48];
    for (int c = 0; c < 256; c++)
        for (size_t len = 1; len <= sizeof s; len++)
            for (size_t at = 0; at < len; at++) {
                memset(s, 'a', len);
                s[at] = (char)c;
                bool stop = c < 0x20 || c == '"' || c == '\\';
                assert_int_equal(ddb_text_run(s, len, false), stop ? at : len);
                assert_int_equal(ddb_text_plain_len(s, len), stop ? at : len);
                stop = stop || c > 0x7e;
                assert_int_equal(ddb_text_run(s, len, true), stop ? at : len);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_roundtrip_json),
        cmocka_unit_test(test_equal_order),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_binary_any_order),
        cmocka_unit_test(test_text_matches_jansson),
        cmocka_unit_test(test_text_escapes_every_position),
        cmocka_unit_test(test_text_run_every_byte),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
