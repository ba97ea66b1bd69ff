/* test_s3cond.c - S3 precondition rules: the full GET/HEAD table and the write matrix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/err.h"
#include "lockyard/httpdate.h"
#include "lockyard/s3cond.h"

#define ETAG "\"0cc175b9c0f1b6a831c399e269772661\""
#define MTIME_MS 1700000000500LL /* 2023-11-14T22:13:20.5Z */
#define NOW_MS 1800000000000LL

/* Header values that evaluate true / false for an object with ETAG and MTIME_MS. */
static const char *const im_val[3] = {NULL, ETAG, "\"ffff\""};
static const char *const inm_val[3] = {NULL, "\"ffff\"", ETAG};
static const char *const ius_val[3] = {NULL, "Tue, 14 Nov 2023 22:13:20 GMT", /* == mtime s */
                                       "Tue, 14 Nov 2023 22:13:19 GMT"};
static const char *const ims_val[3] = {NULL, "Tue, 14 Nov 2023 22:13:19 GMT",
                                       "Tue, 14 Nov 2023 22:13:20 GMT"};

/* Expected outcome written as the RFC 7232 §6 decision list, indices 0 absent, 1 true, 2 false. */
static int expected(int im, int ius, int inm, int ims, int *failed)
{
    if (im == 2) {
        *failed = 0;
        return 412;
    }
    if (im == 0 && ius == 2) {
        *failed = 1;
        return 412;
    }
    if (inm == 2) {
        *failed = 2;
        return 304;
    }
    if (inm == 0 && ims == 2) {
        *failed = 3;
        return 304;
    }
    *failed = -1;
    return 0;
}

static void test_read_table_all_81(void **state)
{
    (void)state;
    int n = 0;
    for (int im = 0; im < 3; im++)
        for (int ius = 0; ius < 3; ius++)
            for (int inm = 0; inm < 3; inm++)
                for (int ims = 0; ims < 3; ims++) {
                    struct s3cond_read c = {im_val[im], inm_val[inm], ims_val[ims], ius_val[ius]};
                    int failed, want_failed;
                    int want = expected(im, ius, inm, ims, &want_failed);
                    int got = (int)s3cond_eval_read(&c, ETAG, MTIME_MS, NOW_MS, &failed);
                    if (got != want || failed != want_failed)
                        fail_msg("im=%d ius=%d inm=%d ims=%d: got %d/%d want %d/%d", im, ius, inm,
                                 ims, got, failed, want, want_failed);
                    n++;
                }
    assert_int_equal(n, 81);
}

static void test_read_details(void **state)
{
    (void)state;
    int f;
    /* Unquoted, star, lists and W/ forms. */
    struct s3cond_read c1 = {"0cc175b9c0f1b6a831c399e269772661", NULL, NULL, NULL};
    assert_int_equal(s3cond_eval_read(&c1, ETAG, MTIME_MS, NOW_MS, &f), S3COND_PASS);
    struct s3cond_read c2 = {"*", NULL, NULL, NULL};
    assert_int_equal(s3cond_eval_read(&c2, ETAG, MTIME_MS, NOW_MS, &f), S3COND_PASS);
    struct s3cond_read c3 = {NULL, "*", NULL, NULL};
    assert_int_equal(s3cond_eval_read(&c3, ETAG, MTIME_MS, NOW_MS, &f), S3COND_NOT_MODIFIED);
    struct s3cond_read c4 = {"\"aa\", " ETAG, NULL, NULL, NULL};
    assert_int_equal(s3cond_eval_read(&c4, ETAG, MTIME_MS, NOW_MS, &f), S3COND_PASS);
    /* A future If-Modified-Since is ignored; an unparseable date is ignored. */
    struct s3cond_read c5 = {NULL, NULL, "Fri, 01 Jan 2100 00:00:00 GMT", NULL};
    assert_int_equal(s3cond_eval_read(&c5, ETAG, MTIME_MS, NOW_MS, &f), S3COND_PASS);
    struct s3cond_read c6 = {NULL, NULL, "yesterday", "not a date"};
    assert_int_equal(s3cond_eval_read(&c6, ETAG, MTIME_MS, NOW_MS, &f), S3COND_PASS);
    /* IM true + IUS false → 200; INM false + IMS true → 304 (AWS GetObject docs). */
    struct s3cond_read c7 = {ETAG, NULL, NULL, ius_val[2]};
    assert_int_equal(s3cond_eval_read(&c7, ETAG, MTIME_MS, NOW_MS, &f), S3COND_PASS);
    struct s3cond_read c8 = {NULL, ETAG, ims_val[1], NULL};
    assert_int_equal(s3cond_eval_read(&c8, ETAG, MTIME_MS, NOW_MS, &f), S3COND_NOT_MODIFIED);
    assert_string_equal(s3cond_read_name(f), "If-None-Match");
}

static void test_write_validate(void **state)
{
    (void)state;
    struct s3cond_reject why;
    struct s3cond_write ok1 = {NULL, "*"}, ok2 = {ETAG, NULL}, ok3 = {NULL, NULL};
    assert_int_equal(s3cond_write_validate(&ok1, &why), 0);
    assert_int_equal(s3cond_write_validate(&ok2, &why), 0);
    assert_int_equal(s3cond_write_validate(&ok3, &why), 0);
    struct s3cond_write inm_etag = {NULL, ETAG};
    assert_int_equal(s3cond_write_validate(&inm_etag, &why), LY_ENOTSUP);
    assert_string_equal(why.header, "If-None-Match");
    assert_string_equal(why.additional_message,
                        "We don't accept the provided value of If-None-Match header for this API");
    struct s3cond_write im_star = {"*", NULL};
    assert_int_equal(s3cond_write_validate(&im_star, &why), LY_ENOTSUP);
    assert_string_equal(why.header, "If-Match");
    struct s3cond_write both = {ETAG, "*"};
    assert_int_equal(s3cond_write_validate(&both, &why), LY_ENOTSUP);
    assert_string_equal(why.header, "If-Match,If-None-Match");
    assert_string_equal(why.additional_message,
                        "Multiple conditional request headers present in the request");
}

static void test_write_eval(void **state)
{
    (void)state;
    const char *cond;
    struct s3cond_write inm = {NULL, "*"}, im = {"0cc175b9c0f1b6a831c399e269772661", NULL};
    struct s3cond_write im_bad = {"\"abcdef\"", NULL}, none = {NULL, NULL};
    assert_int_equal(s3cond_eval_write(&inm, NULL, &cond), 0);
    assert_int_equal(s3cond_eval_write(&inm, ETAG, &cond), LY_ECOND);
    assert_string_equal(cond, "If-None-Match");
    assert_int_equal(s3cond_eval_write(&im, ETAG, &cond), 0);
    assert_int_equal(s3cond_eval_write(&im_bad, ETAG, &cond), LY_ECOND);
    assert_string_equal(cond, "If-Match");
    assert_int_equal(s3cond_eval_write(&im_bad, NULL, &cond), LY_ENOENT);
    assert_int_equal(s3cond_eval_write(&none, ETAG, &cond), 0);
    assert_int_equal(s3cond_eval_write(&none, NULL, &cond), 0);
}

static void test_etag_equal(void **state)
{
    (void)state;
    assert_true(s3cond_etag_equal("\"abc\"", "abc"));
    assert_true(s3cond_etag_equal("abc", "abc"));
    assert_false(s3cond_etag_equal("\"abc\"", "abcd"));
    assert_false(s3cond_etag_equal("\"\"", "a"));
    assert_true(s3cond_etag_list_match(" \"x\" ,W/\"abc\"", "abc"));
    assert_false(s3cond_etag_list_match("\"x\",\"y\"", "abc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_table_all_81), cmocka_unit_test(test_read_details),
        cmocka_unit_test(test_write_validate),    cmocka_unit_test(test_write_eval),
        cmocka_unit_test(test_etag_equal),
    };
    return cmocka_run_group_tests_name("s3cond", tests, NULL, NULL);
}
