/* test_pct.c - hex digits and the one percent codec (lockyard/pct.h) with its flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/err.h"
#include "lockyard/pct.h"

static void test_hexval(void **state)
{
    (void)state;
    const char *digits = "0123456789abcdef", *upper = "ABCDEF";
    for (int i = 0; i < 16; i++)
        assert_int_equal(ly_hexval(digits[i]), i);
    for (int i = 0; i < 6; i++)
        assert_int_equal(ly_hexval(upper[i]), 10 + i);
    for (int c = 0; c < 256; c++)
        if (!strchr("0123456789abcdefABCDEF", c) || c == 0)
            assert_int_equal(ly_hexval(c), -1);
}

static void test_decode(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(ly_pct_decode("a%20b%2Fc+d", 11, out, sizeof out, 0), 7);
    assert_string_equal(out, "a b/c+d");
    assert_int_equal(ly_pct_decode("a+b%2B", 6, out, sizeof out, LY_PCT_PLUS_SPACE), 4);
    assert_string_equal(out, "a b+");
    assert_int_equal(ly_pct_decode("%C3%a9", 6, out, sizeof out, 0), 2);
    assert_string_equal(out, "\xc3\xa9");
    assert_int_equal(ly_pct_decode("", 0, out, sizeof out, 0), 0);
    assert_string_equal(out, "");
    /* bad escapes */
    assert_int_equal(ly_pct_decode("%", 1, out, sizeof out, 0), LY_EINVAL);
    assert_int_equal(ly_pct_decode("a%2", 3, out, sizeof out, 0), LY_EINVAL);
    assert_int_equal(ly_pct_decode("%zz", 3, out, sizeof out, 0), LY_EINVAL);
    assert_int_equal(ly_pct_decode("%g0", 3, out, sizeof out, 0), LY_EINVAL);
    /* NUL: kept unless refused, literal or encoded */
    assert_int_equal(ly_pct_decode("a%00b", 5, out, sizeof out, 0), 3);
    assert_memory_equal(out, "a\0b", 3);
    assert_int_equal(ly_pct_decode("a%00b", 5, out, sizeof out, LY_PCT_REFUSE_NUL), LY_EINVAL);
    assert_int_equal(ly_pct_decode("a\0b", 3, out, sizeof out, LY_PCT_REFUSE_NUL), LY_EINVAL);
    /* room: n + 1 always fits, one byte less does not */
    assert_int_equal(ly_pct_decode("abcdef", 6, out, 7, 0), 6);
    assert_int_equal(ly_pct_decode("abcdef", 6, out, 6, 0), LY_ETOOBIG);
    assert_int_equal(ly_pct_decode("%41%42", 6, out, 3, 0), 2);
    assert_string_equal(out, "AB");
}

static void test_decode_buf(void **state)
{
    (void)state;
    struct ly_buf b;
    ly_buf_init(&b, 1024);
    assert_int_equal(ly_buf_adds(&b, "x="), 0);
    assert_int_equal(ly_pct_decode_buf(&b, "a+b%26", 6, LY_PCT_PLUS_SPACE), 0);
    assert_string_equal(b.data, "x=a b&");
    assert_int_equal(b.len, 6);
    assert_int_equal(ly_pct_decode_buf(&b, "%4", 2, 0), LY_EINVAL);
    assert_int_equal(b.len, 6); /* a failed decode appends nothing */
    assert_string_equal(b.data, "x=a b&");
    ly_buf_cleanup(&b);
    ly_buf_init(&b, 4);
    assert_int_equal(ly_pct_decode_buf(&b, "abcdef", 6, 0), LY_ETOOBIG);
    ly_buf_cleanup(&b);
}

static void test_encode(void **state)
{
    (void)state;
    struct ly_buf b;
    ly_buf_init(&b, 1024);
    assert_int_equal(ly_pct_encode(&b, "a b/c~\xc3\xa9-._", strlen("a b/c~\xc3\xa9-._"), 0), 0);
    assert_string_equal(b.data, "a%20b%2Fc~%C3%A9-._");
    ly_buf_reset(&b);
    assert_int_equal(ly_pct_encode(&b, "x/y z", 5, LY_PCT_KEEP_SLASH), 0);
    assert_string_equal(b.data, "x/y%20z");
    ly_buf_reset(&b);
    assert_int_equal(ly_pct_encode(&b, "x/y z+", 6, LY_PCT_KEEP_SLASH | LY_PCT_PLUS_SPACE), 0);
    assert_string_equal(b.data, "x/y+z%2B");
    ly_buf_reset(&b);
    assert_int_equal(ly_pct_encode(&b, "\0\x7f", 2, 0), 0);
    assert_string_equal(b.data, "%00%7F");
    /* decode(encode(s)) == s for every byte */
    char all[256], back[257];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    ly_buf_reset(&b);
    assert_int_equal(ly_pct_encode(&b, all, sizeof all, LY_PCT_PLUS_SPACE), 0);
    assert_int_equal(ly_pct_decode(b.data, b.len, back, sizeof back, LY_PCT_PLUS_SPACE), 256);
    assert_memory_equal(all, back, 256);
    ly_buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hexval),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_decode_buf),
        cmocka_unit_test(test_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
