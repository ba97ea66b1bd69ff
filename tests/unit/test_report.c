/* test_report.c - one numbering for violations, the report's checks table, badge and story. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../scenarios/runner/report.h"

static void ev(struct history *h, int64_t t, const char *proc, int type, const char *f)
{
    struct hev e = hev_blank();
    e.time_us = t;
    e.process = history_intern(h, proc);
    e.type = (uint8_t)type;
    snprintf(e.f, sizeof e.f, "%s", f);
    e.key = history_intern(h, "lock");
    assert_int_equal(history_add(h, &e), 0);
}

/* A violation that cites completions (as the ownership checker does) is renumbered to
 * the invokes: the number of the history file's invoke line, shown everywhere. */
static void test_violation_numbers_are_invokes(void **st)
{
    (void)st;
    struct history h;
    struct check_result r;
    history_init(&h);
    check_result_init(&r);
    ev(&h, 0, "A", HEV_INVOKE, "PutObject"); /* #0 */
    ev(&h, 1, "B", HEV_INVOKE, "PutObject"); /* #1 */
    ev(&h, 2, "A", HEV_INFO, "PutObject");   /* #2 completes #0 */
    ev(&h, 3, "B", HEV_OK, "PutObject");     /* #3 completes #1 */
    ev(&h, 4, "B", HEV_INFO, "give_up");     /* #4 a marker keeps its number */
    assert_int_equal(history_pair(&h), 0);
    uint32_t cited[] = {2, 0, 3, 4};
    assert_int_equal(check_add(&r, V_ORPHAN_LOCK, 4, cited, 4, "x"), 0);
    check_number_ops(&h, &r);
    assert_int_equal(r.v[0].nevents, 3);
    assert_int_equal(r.v[0].events[0], 0);
    assert_int_equal(r.v[0].events[1], 1);
    assert_int_equal(r.v[0].events[2], 4);
    check_result_cleanup(&r);
    history_cleanup(&h);
}

static void test_checks_table_and_badge(void **st)
{
    (void)st;
    struct check_result r;
    struct report_check rows[V_KINDS];
    struct report_info ri;
    const char *cls;
    check_result_init(&r);
    memset(&ri, 0, sizeof ri);
    ri.name = "x";
    check_unknown(&r, V_NONLINEARIZABLE, "key b/k: the search ran out of its memory budget");
    assert_int_equal(report_checks(&r, rows, V_KINDS), V_KINDS);
    assert_int_equal(rows[V_NONLINEARIZABLE].status, RCHECK_UNKNOWN);
    assert_non_null(strstr(rows[V_NONLINEARIZABLE].reason, "memory budget"));
    assert_int_equal(rows[V_MUTEX_BELIEVED].status, RCHECK_PASS);
    assert_string_equal(report_badge(&ri, &r, &cls), "no violation found, a check undecided");
    r.unknown = 0;
    assert_string_equal(report_badge(&ri, &r, &cls), "protocol correct");
    r.unknown = 1u << V_NONLINEARIZABLE;
    ri.expect = 1u << V_LIVENESS;
    assert_string_equal(report_badge(&ri, &r, &cls), "unexpected result");
    r.found = 1u << V_LIVENESS;
    r.per_kind[V_LIVENESS] = 2;
    assert_string_equal(report_badge(&ri, &r, &cls), "bug reproduced, a check undecided");
    r.unknown = 0;
    assert_string_equal(report_badge(&ri, &r, &cls), "bug reproduced");
    report_checks(&r, rows, V_KINDS);
    assert_int_equal(rows[V_LIVENESS].status, RCHECK_FAIL);
    assert_string_equal(rows[V_LIVENESS].reason, "2 violations");
    check_result_cleanup(&r);
}

static void test_story_is_the_header_comment(void **st)
{
    (void)st;
    char path[] = "/tmp/lockyard-story-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# title line\n#\n# why it fails\nname: x\n# not the story\n", f);
    fclose(f);
    char *s = report_story(path);
    unlink(path);
    assert_non_null(s);
    assert_string_equal(s, "title line\n\nwhy it fails\n");
    free(s);
    assert_null(report_story("/nonexistent/lockyard.yaml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_violation_numbers_are_invokes),
        cmocka_unit_test(test_checks_table_and_badge),
        cmocka_unit_test(test_story_is_the_header_comment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
