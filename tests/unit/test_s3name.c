/* test_s3name.c - bucket names, UTF-8, HTTP dates and query parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "lockyard/httpdate.h"
#include "lockyard/httpmsg.h"
#include "lockyard/s3name.h"

static void test_bucket_names(void **state)
{
    (void)state;
    const char *good[] = {
        "abc", "my-bucket", "my.bucket.1",
        "a1b", "0ab",       "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc"};
    const char *bad[] = {"ab",
                         "Abc",
                         "my_bucket",
                         "-abc",
                         "abc-",
                         "a..b",
                         "a.-b",
                         "a-.b",
                         "192.168.5.4",
                         "xn--abc",
                         "abc-s3alias",
                         "abc--ol-s3",
                         "_lockyard",
                         "sthree-abc",
                         "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd",
                         "",
                         "a b"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(s3name_bucket_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (s3name_bucket_valid(bad[i]))
            fail_msg("accepted bad bucket name '%s'", bad[i]);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(s3name_utf8_valid("plain", 5));
    assert_true(s3name_utf8_valid("\xe2\x82\xac", 3));
    assert_false(s3name_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(s3name_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(s3name_utf8_valid("\xe2\x82", 2));         /* truncated */
    assert_false(s3name_utf8_valid("\xf5\x80\x80\x80", 4)); /* > U+10FFFF */
}

static void test_httpdate(void **state)
{
    (void)state;
    int64_t ms, ms2, ms3;
    assert_int_equal(ly_httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT", &ms), 0);
    assert_int_equal(ms, 784111777000LL);
    assert_int_equal(ly_httpdate_parse("Sunday, 06-Nov-94 08:49:37 GMT", &ms2), 0);
    assert_int_equal(ly_httpdate_parse("Sun Nov  6 08:49:37 1994", &ms3), 0);
    assert_int_equal(ms, ms2);
    assert_int_equal(ms, ms3);
    assert_int_not_equal(ly_httpdate_parse("Sun, 06 Nov 1994 08:49:37 PST", &ms), 0);
    assert_int_not_equal(ly_httpdate_parse("Sun, 32 Nov 1994 08:49:37 GMT", &ms), 0);
    assert_int_not_equal(ly_httpdate_parse("Sun, 06 Foo 1994 08:49:37 GMT", &ms), 0);
    assert_int_not_equal(ly_httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT trailing", &ms), 0);
    assert_int_not_equal(ly_httpdate_parse("", &ms), 0);
    char out[LY_HTTPDATE_LEN], iso[LY_ISODATE_LEN];
    ly_httpdate_format(784111777123LL, out);
    assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    ly_isodate_format(784111777123LL, iso);
    assert_string_equal(iso, "1994-11-06T08:49:37.123Z");
    assert_int_equal(ly_isodate_parse("1994-11-06T08:49:37.123Z", &ms), 0);
    assert_int_equal(ms, 784111777123LL);
    assert_int_equal(ly_isodate_parse("19941106T084937Z", &ms), 0);
    assert_int_equal(ms, 784111777000LL);
    assert_int_not_equal(ly_isodate_parse("1994-11-06", &ms), 0);
}

/* ly_httpdate_format writes its digits itself: the same text as strftime for days across the
 * weekdays, months, single-digit fields and leap days. */
static void test_httpdate_matches_strftime(void **state)
{
    (void)state;
    for (int64_t s = 0; s < 4LL * 366 * 86400; s += 86400 * 3 + 3661) {
        time_t t = (time_t)(s + 946684800); /* from 2000-01-01 */
        struct tm tm;
        char want[64], got[LY_HTTPDATE_LEN];
        gmtime_r(&t, &tm);
        strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        ly_httpdate_format((int64_t)t * 1000 + 999, got);
        assert_string_equal(got, want);
    }
    char out[LY_HTTPDATE_LEN];
    ly_httpdate_format(253402300799999LL + 86400000, out); /* after 9999: the last day */
    assert_string_equal(out, "Fri, 31 Dec 9999 23:59:59 GMT");
}

static void test_header_lookup(void **state)
{
    (void)state;
    struct ly_hdr h[] = {
        {"Host", "x"}, {"content-length", "5"}, {"-odd", "1"}, {"X-Amz-Date", "d"}};
    struct ly_req req = {.hdrs = h, .nhdrs = 4};
    assert_string_equal(ly_req_header(&req, "Content-Length"), "5");
    assert_string_equal(ly_req_header(&req, "HOST"), "x");
    assert_string_equal(ly_req_header(&req, "-ODD"), "1");
    assert_string_equal(ly_req_header(&req, "x-amz-date"), "d");
    assert_null(ly_req_header(&req, "Content-Type"));
    assert_null(ly_req_header(&req, "Mod")); /* '-' | 0x20 is not 'M' | 0x20 */
    assert_null(ly_req_header(&req, "X-Amz-Dat"));
}

static void test_query_parse(void **state)
{
    (void)state;
    struct ly_arena a;
    struct ly_qparam *q;
    size_t n;
    ly_arena_init(&a, 1 << 20);
    assert_int_equal(
        ly_query_parse(&a, "list-type=2&prefix=env%3A%2F&delete&x-id=PutObject&a=b+c", &q, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(q[1].name, "prefix");
    assert_string_equal(q[1].value, "env:/");
    assert_string_equal(q[2].name, "delete");
    assert_false(q[2].has_value);
    assert_string_equal(q[4].value, "b c");
    assert_int_equal(ly_query_parse(&a, "", &q, &n), 0);
    assert_int_equal(n, 0);
    assert_int_not_equal(ly_query_parse(&a, "a=%zz", &q, &n), 0);
    ly_arena_cleanup(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_names),  cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_httpdate),      cmocka_unit_test(test_httpdate_matches_strftime),
        cmocka_unit_test(test_header_lookup), cmocka_unit_test(test_query_parse),
    };
    return cmocka_run_group_tests_name("s3name", tests, NULL, NULL);
}
