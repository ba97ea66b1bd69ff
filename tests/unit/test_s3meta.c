/* test_s3meta.c - user metadata values as S3 stores and answers them (RFC 2047 encoded-words,
 * ISO-8859-1 raw bytes) and Content-Encoding without aws-chunked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/s3meta.h"

static struct ly_arena a;

static int setup(void **state)
{
    (void)state;
    ly_arena_init(&a, 1 << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ly_arena_cleanup(&a);
    return 0;
}

static void test_decode(void **state)
{
    (void)state;
    assert_string_equal(s3meta_decode(&a, "plain value"), "plain value");
    assert_string_equal(s3meta_decode(&a, "=?UTF-8?B?Y2Fmw6kg4oKs?="), "caf\xc3\xa9 \xe2\x82\xac");
    assert_string_equal(s3meta_decode(&a, "=?utf-8?q?caf=C3=A9_ok?="), "caf\xc3\xa9 ok");
    assert_string_equal(s3meta_decode(&a, "=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?="), "ab");
    assert_string_equal(s3meta_decode(&a, "=?ISO-8859-1?Q?caf=E9?="), "caf\xc3\xa9");
    /* raw bytes outside US-ASCII are ISO-8859-1 characters */
    assert_string_equal(s3meta_decode(&a, "caf\xc3\xa9"), "caf\xc3\x83\xc2\xa9");
    /* not only encoded-words: kept as sent */
    assert_string_equal(s3meta_decode(&a, "x =?UTF-8?B?YQ==?="), "x =?UTF-8?B?YQ==?=");
    assert_string_equal(s3meta_decode(&a, "=?UTF-8?B?not base64!?="), "=?UTF-8?B?not base64!?=");
}

static void test_encode(void **state)
{
    (void)state;
    assert_string_equal(s3meta_encode(&a, "plain\tvalue"), "plain\tvalue");
    assert_string_equal(s3meta_encode(&a, "caf\xc3\xa9 \xe2\x82\xac"), "=?UTF-8?B?Y2Fmw6kg4oKs?=");
    const char *round = s3meta_encode(&a, s3meta_decode(&a, "=?UTF-8?B?Y2Fmw6kg4oKs?="));
    assert_string_equal(round, "=?UTF-8?B?Y2Fmw6kg4oKs?=");
}

static void test_content_encoding(void **state)
{
    (void)state;
    assert_string_equal(s3meta_content_encoding(&a, "deflate, gzip"), "deflate, gzip");
    assert_string_equal(s3meta_content_encoding(&a, "gzip,br"), "gzip,br");
    assert_string_equal(s3meta_content_encoding(&a, "aws-chunked, gzip"), "gzip");
    assert_string_equal(s3meta_content_encoding(&a, "gzip, aws-chunked"), "gzip");
    assert_string_equal(s3meta_content_encoding(&a, "deflate, aws-chunked, gzip"), "deflate, gzip");
    assert_null(s3meta_content_encoding(&a, "aws-chunked"));
    assert_null(s3meta_content_encoding(&a, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_content_encoding),
    };
    return cmocka_run_group_tests_name("s3meta", tests, setup, teardown);
}
