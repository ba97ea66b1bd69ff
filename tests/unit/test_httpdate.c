/* test_httpdate.c - ly_httpdate_format against the C library's gmtime_r and strftime over the
 * whole range it formats (years 1 to 9999), every day boundary and times within days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lockyard/httpdate.h"

static void expect_libc(int64_t ms)
{
    char got[LY_HTTPDATE_LEN], want[64];
    time_t t = (time_t)(ms / 1000 - (ms < 0 && ms % 1000 ? 1 : 0));
    struct tm tm;
    assert_non_null(gmtime_r(&t, &tm));
    assert_true(strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0);
    if (tm.tm_year + 1900 < 1000) /* glibc's %Y does not pad: HTTP-date has four digits */
        snprintf(want + 12, sizeof want - 12, "%04d %02d:%02d:%02d GMT", tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    ly_httpdate_format(ms, got);
    if (strcmp(got, want) != 0)
        fail_msg("%lld ms: \"%s\", gmtime_r: \"%s\"", (long long)ms, got, want);
}

static void test_against_gmtime(void **state)
{
    (void)state;
    const int64_t first = -62135596800LL, last = 253402300799LL; /* 0001-01-01 .. 9999-12-31 */
    for (int64_t s = first; s <= last; s += 86400 * 7 + 3601)    /* drifts through every hour */
        expect_libc(s * 1000 + 999);
    for (int64_t day = -719000; day <= 800000; day += 97) /* day boundaries around 1970 */
        for (int64_t off = -1; off <= 0; off++)
            expect_libc((day * 86400 + off) * 1000);
    expect_libc(0);
    expect_libc(-1);
    expect_libc(951782400000LL);  /* 2000-02-29 */
    expect_libc(4107542400000LL); /* 2100-03-01 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_gmtime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
