/* test_s3policy.c - bucket-policy parsing, MalformedPolicy messages, Deny evaluation of the
 * conditional-write subset and the not-enforced report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/s3policy.h"

static struct s3policy *parse_ok(struct ly_arena *a, const char *json)
{
    struct s3policy *p = NULL;
    const char *why = NULL;
    assert_int_equal(s3policy_parse(json, strlen(json), a, &p, &why), 0);
    return p;
}

static const char *parse_err(struct ly_arena *a, const char *json)
{
    struct s3policy *p = NULL;
    const char *why = NULL;
    assert_int_equal(s3policy_parse(json, strlen(json), a, &p, &why), LY_EINVAL);
    return why;
}

static void test_malformed(void **state)
{
    (void)state;
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    const char *bad_json = "Policies must be valid JSON and the first byte must be '{'";
    assert_string_equal(parse_err(&a, "[]"), bad_json);
    assert_string_equal(parse_err(&a, "{"), bad_json);
    assert_string_equal(parse_err(&a, ""), bad_json);
    assert_string_equal(parse_err(&a, "{}"), "Missing required field Statement");
    assert_string_equal(parse_err(&a, "{\"Statement\":[]}"),
                        "Could not parse the policy: Statement is empty!");
    assert_string_equal(parse_err(&a, "{\"Statement\":{\"Principal\":\"*\",\"Action\":\"s3:*\","
                                      "\"Resource\":\"*\"}}"),
                        "Missing required field Effect");
    assert_string_equal(parse_err(&a, "{\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"s3:*\","
                                      "\"Resource\":\"*\"}}"),
                        "Missing required field Principal");
    assert_string_equal(parse_err(&a, "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\","
                                      "\"Resource\":\"*\"}}"),
                        "Missing required field Action");
    assert_string_equal(parse_err(&a, "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\","
                                      "\"Action\":\"ec2:Run\",\"Resource\":\"*\"}}"),
                        "Policy has invalid action");
    assert_string_equal(parse_err(&a, "{\"Statement\":{\"Effect\":\"Deny\",\"Principal\":\"*\","
                                      "\"Action\":\"s3:*\",\"Resource\":\"*\",\"Bogus\":1}}"),
                        "Unknown field Bogus");
    ly_arena_cleanup(&a);
}

#define REQUIRE_INM                                                                            \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\","     \
    "\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::bkt/*\",\"Condition\":{\"Null\":" \
    "{\"s3:if-none-match\":\"true\",\"s3:if-match\":\"true\"}}}]}"

static void test_require_conditional_writes(void **state)
{
    (void)state;
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    struct s3policy *p = parse_ok(&a, REQUIRE_INM);
    struct s3policy_req r = {"s3:PutObject", "arn:aws:s3:::bkt/k", NULL, NULL, 1};
    assert_int_equal(s3policy_denies(p, &r), 1);
    r.if_none_match = "*";
    assert_int_equal(s3policy_denies(p, &r), 0);
    r.if_none_match = NULL;
    r.if_match = "\"e\"";
    assert_int_equal(s3policy_denies(p, &r), 0);
    r.if_match = NULL;
    r.action = "s3:putobject"; /* actions compare case-insensitively */
    assert_int_equal(s3policy_denies(p, &r), 1);
    r.action = "s3:DeleteObject";
    assert_int_equal(s3policy_denies(p, &r), 0);
    r.action = "s3:PutObject";
    r.resource = "arn:aws:s3:::other/k";
    assert_int_equal(s3policy_denies(p, &r), 0);
    struct ly_buf b;
    ly_buf_init(&b, 4096);
    assert_int_equal(s3policy_unenforced(p, &b), 0);
    assert_int_equal(b.len, 0);
    ly_buf_cleanup(&b);
    ly_arena_cleanup(&a);
}

static void test_operators(void **state)
{
    (void)state;
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    struct s3policy *p = parse_ok(
        &a,
        "{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"s3:Put*\"],"
        "\"Resource\":[\"arn:aws:s3:::bkt/lock?\"],\"Condition\":{\"StringNotEquals\":"
        "{\"s3:if-none-match\":[\"*\"]},\"Bool\":{\"s3:ObjectCreationOperation\":true}}}]}");
    struct s3policy_req r = {"s3:PutObject", "arn:aws:s3:::bkt/lockA", NULL, NULL, 1};
    assert_int_equal(s3policy_denies(p, &r), 1); /* absent: StringNotEquals holds */
    r.if_none_match = "*";
    assert_int_equal(s3policy_denies(p, &r), 0);
    r.if_none_match = NULL;
    r.creation_op = 0; /* UploadPart etc. */
    assert_int_equal(s3policy_denies(p, &r), 0);
    r.creation_op = 1;
    r.resource = "arn:aws:s3:::bkt/lockAB"; /* '?' is one character */
    assert_int_equal(s3policy_denies(p, &r), 0);
    ly_arena_cleanup(&a);
}

static void test_not_enforced(void **state)
{
    (void)state;
    struct ly_arena a;
    struct ly_buf b;
    ly_arena_init(&a, 1 << 20);
    ly_buf_init(&b, 4096);
    struct s3policy *p = parse_ok(
        &a,
        "{\"Statement\":[{\"Sid\":\"x\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
        "\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"NotAction\":\"s3:GetObject\","
        "\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
        "\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"1.2.3.4\"}}}]}");
    struct s3policy_req r = {"s3:PutObject", "arn:aws:s3:::bkt/k", NULL, NULL, 1};
    assert_int_equal(s3policy_denies(p, &r), 0);
    assert_int_equal(s3policy_unenforced(p, &b), 0);
    assert_non_null(strstr(b.data, "statement 1 (Sid x): an Allow statement"));
    assert_non_null(strstr(b.data, "statement 2: NotAction"));
    assert_non_null(strstr(b.data, "statement 3: condition operator IpAddress"));
    ly_buf_cleanup(&b);
    ly_arena_cleanup(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_require_conditional_writes),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_not_enforced),
    };
    return cmocka_run_group_tests_name("s3policy", tests, NULL, NULL);
}
