/* test_ddb_keycodec.c - the order-preserving key encoding: memcmp order of encodings must equal
 * ddb_val_order over random S/N/B values, pairs must order lexicographically, and decoding
 * must give back the value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/ddb_keycodec.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* A random S or B value: short, from a small alphabet (with NUL and 0xFF) so ties and
 * common prefixes are frequent. */
static struct ddb_val rand_bytes(struct ly_arena *a, enum ddb_type t)
{
    static const char alphabet[] = {'\0', '\x01', 'a', 'b', '\x7f', '\x80', '\xff'};
    size_t n = 1 + rnd() % 6;
    char *p = ly_arena_alloc(a, n + 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = alphabet[rnd() % sizeof alphabet];
    p[n] = '\0';
    struct ddb_val v = {.type = t};
    v.u.bytes.p = p;
    v.u.bytes.len = n;
    return v;
}

static struct ddb_val rand_num(void)
{
    char text[80];
    size_t k = 0;
    if (rnd() % 2)
        text[k++] = '-';
    size_t nd = 1 + rnd() % 40;
    if (nd > 38)
        nd = 38;
    for (size_t i = 0; i < nd; i++)
        text[k++] = (char)('0' + (rnd() % 3 == 0 ? 0 : rnd() % 10));
    snprintf(text + k, sizeof text - k, "e%d", (int)(rnd() % 61) - 30 - (rnd() % 8 == 0 ? 90 : 0));
    struct ddb_val v = {.type = DDB_T_N};
    if (ddb_num_parse(text, strlen(text), &v.u.num, NULL) != 0)
        ddb_num_from_i64((int64_t)(rnd() % 1000) - 500, &v.u.num);
    return v;
}

static struct ddb_val rand_val(struct ly_arena *a, enum ddb_type t)
{
    return t == DDB_T_N ? rand_num() : rand_bytes(a, t);
}

static int enc_cmp(const struct ddb_val *a, const struct ddb_val *a2, const struct ddb_val *b,
                   const struct ddb_val *b2)
{
    struct ly_buf x, y;
    ly_buf_init(&x, 1 << 16);
    ly_buf_init(&y, 1 << 16);
    assert_int_equal(ddb_keycodec_encode(a, a2, &x), 0);
    assert_int_equal(ddb_keycodec_encode(b, b2, &y), 0);
    size_t n = x.len < y.len ? x.len : y.len;
    int c = memcmp(x.data, y.data, n);
    if (c == 0)
        c = (x.len > y.len) - (x.len < y.len);
    ly_buf_cleanup(&x);
    ly_buf_cleanup(&y);
    return (c > 0) - (c < 0);
}

static void test_order_matches_val_order(void **state)
{
    (void)state;
    static const enum ddb_type types[] = {DDB_T_S, DDB_T_N, DDB_T_B};
    for (size_t ti = 0; ti < 3; ti++) {
        for (int round = 0; round < 20000; round++) {
            struct ly_arena a;
            ly_arena_init(&a, 1 << 16);
            struct ddb_val x = rand_val(&a, types[ti]), y = rand_val(&a, types[ti]);
            int want;
            assert_true(ddb_val_order(&x, &y, &want));
            want = (want > 0) - (want < 0);
            assert_int_equal(enc_cmp(&x, NULL, &y, NULL), want);
            ly_arena_cleanup(&a);
        }
    }
}

static void test_pairs_order_lexicographically(void **state)
{
    (void)state;
    for (int round = 0; round < 20000; round++) {
        struct ly_arena a;
        ly_arena_init(&a, 1 << 16);
        enum ddb_type ht = round % 2 ? DDB_T_S : DDB_T_B, rt = round % 3 ? DDB_T_N : DDB_T_S;
        struct ddb_val h1 = rand_val(&a, ht), h2 = rand_val(&a, ht);
        struct ddb_val r1 = rand_val(&a, rt), r2 = rand_val(&a, rt);
        if (round % 4 == 0)
            h2 = h1;
        int ch, cr;
        assert_true(ddb_val_order(&h1, &h2, &ch));
        assert_true(ddb_val_order(&r1, &r2, &cr));
        int want = ch ? ch : cr;
        want = (want > 0) - (want < 0);
        assert_int_equal(enc_cmp(&h1, &r1, &h2, &r2), want);
        ly_arena_cleanup(&a);
    }
}

static void test_roundtrip(void **state)
{
    (void)state;
    static const enum ddb_type types[] = {DDB_T_S, DDB_T_N, DDB_T_B};
    for (int round = 0; round < 20000; round++) {
        struct ly_arena a;
        ly_arena_init(&a, 1 << 16);
        enum ddb_type t = types[round % 3];
        struct ddb_val v = rand_val(&a, t), back;
        struct ly_buf b;
        ly_buf_init(&b, 1 << 16);
        assert_int_equal(ddb_keycodec_append(&v, &b), 0);
        size_t used = 0;
        assert_int_equal(ddb_keycodec_decode(&a, t, b.data, b.len, &back, &used), 0);
        assert_int_equal(used, b.len);
        assert_true(ddb_val_equal(&v, &back));
        ly_buf_cleanup(&b);
        ly_arena_cleanup(&a);
    }
}

static void test_known_encodings(void **state)
{
    (void)state;
    struct ly_arena a;
    ly_arena_init(&a, 1 << 16);
    struct ly_buf b;
    ly_buf_init(&b, 1 << 16);
    struct ddb_val s = {.type = DDB_T_S};
    s.u.bytes.p = "a\0b";
    s.u.bytes.len = 3;
    assert_int_equal(ddb_keycodec_append(&s, &b), 0);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data,
                        "a\0\xff"
                        "b\0\x01",
                        6);
    ly_buf_reset(&b);
    struct ddb_val n = {.type = DDB_T_N};
    assert_int_equal(ddb_num_parse("0", 1, &n.u.num, NULL), 0);
    assert_int_equal(ddb_keycodec_append(&n, &b), 0);
    assert_int_equal(b.len, 1);
    assert_int_equal((unsigned char)b.data[0], 0x02);
    /* 1000 and 1e3 are the same key */
    struct ly_buf c;
    ly_buf_init(&c, 1 << 16);
    struct ddb_val n1 = {.type = DDB_T_N}, n2 = {.type = DDB_T_N};
    assert_int_equal(ddb_num_parse("1000", 4, &n1.u.num, NULL), 0);
    assert_int_equal(ddb_num_parse("1e3", 3, &n2.u.num, NULL), 0);
    ly_buf_reset(&b);
    assert_int_equal(ddb_keycodec_append(&n1, &b), 0);
    assert_int_equal(ddb_keycodec_append(&n2, &c), 0);
    assert_int_equal(b.len, c.len);
    assert_memory_equal(b.data, c.data, b.len);
    /* malformed input is rejected */
    struct ddb_val out;
    size_t used;
    assert_int_equal(ddb_keycodec_decode(&a, DDB_T_S, "ab", 2, &out, &used), LY_EINVAL);
    assert_int_equal(ddb_keycodec_decode(&a, DDB_T_S, "a\0\x02", 3, &out, &used), LY_EINVAL);
    assert_int_equal(ddb_keycodec_decode(&a, DDB_T_N, "\x03\x80\x01\x01\x00", 5, &out, &used),
                     LY_EINVAL); /* leading zero digit */
    assert_int_equal(ddb_keycodec_decode(&a, DDB_T_BOOL, "", 0, &out, &used), LY_EINVAL);
    ly_buf_cleanup(&b);
    ly_buf_cleanup(&c);
    ly_arena_cleanup(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_matches_val_order),
        cmocka_unit_test(test_pairs_order_lexicographically),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_known_encodings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
