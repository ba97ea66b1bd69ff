/* test_fault.c - fault rules: JSON and text parsing, validation messages, globs, matching and
 * firing (nth, every, count, probability with a seed, time windows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "lockyard/err.h"
#include "lockyard/fault.h"

static struct fault_rule rule;
static char err[256];

/* Parses JSON text into `rule`; returns the parser's code (err holds the message). */
static int parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("test JSON does not parse: %s: %s", text, je.text);
    err[0] = '\0';
    int rc = fault_rule_from_json(j, &rule, err, sizeof err);
    json_decref(j);
    return rc;
}

static void parse_ok(const char *text)
{
    if (parse(text) != 0)
        fail_msg("%s: %s", text, err);
}

static void expect_error(const char *text, const char *message)
{
    if (parse(text) != LY_EINVAL)
        fail_msg("accepted: %s", text);
    if (strcmp(err, message) != 0)
        fail_msg("%s:\n  got  %s\n  want %s", text, err, message);
}

static void text_ok(const char *text)
{
    err[0] = '\0';
    if (fault_rule_from_text(text, &rule, err, sizeof err) != 0)
        fail_msg("%s: %s", text, err);
}

static void text_error(const char *text, const char *message)
{
    err[0] = '\0';
    if (fault_rule_from_text(text, &rule, err, sizeof err) != LY_EINVAL)
        fail_msg("accepted: %s", text);
    if (strcmp(err, message) != 0)
        fail_msg("%s:\n  got  %s\n  want %s", text, err, message);
}

static struct fault_facts facts(const char *op, const char *key, const char *client, int cond,
                                int64_t now)
{
    struct fault_facts f = {"s3", op, "tf", key, NULL, client, cond, now};
    return f;
}

/* Fires the rule n times on the same facts; out[i] = '1' when it fired. */
static void pattern(struct fault_rule *r, int n, char *out)
{
    struct fault_facts f = facts("PutObject", "k", "A", 1, 0);
    for (int i = 0; i < n; i++)
        out[i] = fault_rule_fires(r, &f) ? '1' : '0';
    out[n] = '\0';
}

static void test_parse_every_field(void **state)
{
    (void)state;
    parse_ok("{\"match\": {\"service\": \"s3\", \"op\": \"PutObject\", \"bucket\": \"tf\","
             " \"key\": \"*.tflock\", \"table\": \"locks\", \"client\": \"A\","
             " \"conditional\": true, \"nth\": 2, \"every\": 3, \"count\": 4,"
             " \"probability\": 0.25, \"seed\": 7, \"after_ms\": 10, \"before_ms\": 60000},"
             " \"action\": {\"type\": \"fail_after\", \"status\": 503, \"code\": \"SlowDown\","
             " \"ms\": 100}, \"id\": \"ignored\"}");
    const struct fault_match *m = &rule.match;
    assert_string_equal(m->service, "s3");
    assert_string_equal(m->op, "PutObject");
    assert_string_equal(m->bucket, "tf");
    assert_string_equal(m->key, "*.tflock");
    assert_string_equal(m->table, "locks");
    assert_string_equal(m->client, "A");
    assert_int_equal(m->conditional, 1);
    assert_int_equal(m->nth, 2);
    assert_int_equal(m->every, 3);
    assert_int_equal(m->count, 4);
    assert_true(m->probability == 0.25);
    assert_int_equal(m->seed, 7);
    assert_int_equal(m->after_ms, 10);
    assert_int_equal(m->before_ms, 60000);
    assert_int_equal(rule.action, FAULT_FAIL_AFTER);
    assert_int_equal(rule.status, 503);
    assert_string_equal(rule.code, "SlowDown");
    assert_int_equal(rule.ms, 100);
    assert_int_equal(rule.has_until, 0);
    assert_int_equal(rule.prng, 7);

    parse_ok("{\"action\": {\"type\": \"hold\", \"ms\": 500, \"until\": {\"client\": \"B\","
             " \"op\": \"PutObject\", \"conditional\": false}}}");
    assert_int_equal(rule.action, FAULT_HOLD);
    assert_int_equal(rule.ms, 500);
    assert_int_equal(rule.has_until, 1);
    assert_string_equal(rule.until.client, "B");
    assert_string_equal(rule.until.op, "PutObject");
    assert_int_equal(rule.until.conditional, 0);
}

static void test_parse_defaults(void **state)
{
    (void)state;
    parse_ok("{\"action\": {\"type\": \"drop\"}}");
    const struct fault_match *m = &rule.match;
    assert_string_equal(m->service, "");
    assert_string_equal(m->key, "");
    assert_int_equal(m->conditional, -1);
    assert_true(m->probability == 1.0);
    assert_int_equal(m->nth, 0);
    assert_int_equal(m->every, 0);
    assert_int_equal(m->count, 0);
    assert_int_equal(m->after_ms, -1);
    assert_int_equal(m->before_ms, -1);
    assert_int_equal(rule.status, 0);
    assert_true(rule.prng != 0);
    parse_ok("{\"match\": {}, \"action\": {\"type\": \"fail\"}}");
    assert_int_equal(rule.status, 500);
    assert_string_equal(rule.code, "InternalError");
    parse_ok("{\"action\": {\"type\": \"fail\", \"status\": 429}}");
    assert_string_equal(rule.code, "InvalidRequest");
    parse_ok("{\"action\": {\"type\": \"fail_after\", \"code\": \"ServiceUnavailable\"}}");
    assert_int_equal(rule.status, 500);
    assert_string_equal(rule.code, "ServiceUnavailable");
    parse_ok("{\"match\": {\"probability\": 1}, \"action\": {\"type\": \"throttle\"}}");
    assert_true(rule.match.probability == 1.0);
    parse_ok("{\"match\": {\"probability\": 0}, \"action\": {\"type\": \"conflict\"}}");
    assert_true(rule.match.probability == 0.0);
}

/* error_in_200 defaults (not applied, InternalError) and the text form's applied=true. */
static void parse_text_ok_applied(void)
{
    char msg[256] = "";
    parse_ok("{\"match\": {\"op\": \"CopyObject\"}, \"action\": {\"type\": \"error_in_200\"}}");
    assert_int_equal(rule.action, FAULT_ERROR_IN_200);
    assert_int_equal(rule.applied, 0);
    assert_int_equal(rule.status, 0);
    assert_string_equal(rule.code, "InternalError");
    assert_int_equal(fault_rule_from_text("op=CompleteMultipartUpload,action=error_in_200,"
                                          "applied=true",
                                          &rule, msg, sizeof msg),
                     0);
    assert_int_equal(rule.applied, 1);
    json_t *j = fault_rule_to_json(&rule);
    assert_true(json_is_true(json_object_get(json_object_get(j, "action"), "applied")));
    json_decref(j);
    assert_true(fault_error_in_200_op("UploadPartCopy"));
    assert_false(fault_error_in_200_op("PutObject"));
}

static void test_error_in_200_rules(void **state)
{
    (void)state;
    expect_error("{\"match\": {\"op\": \"PutObject\"}, \"action\": {\"type\": \"error_in_200\"}}",
                 "field 'match.op' must be CompleteMultipartUpload, CopyObject or UploadPartCopy "
                 "for error_in_200");
    expect_error("{\"action\": {\"type\": \"error_in_200\", \"status\": 500}}",
                 "field 'action.status' does not apply to error_in_200 (the status line is 200)");
    expect_error("{\"action\": {\"type\": \"error_in_200\", \"applied\": 1}}",
                 "field 'action.applied' must be true or false");
    expect_error("{\"action\": {\"type\": \"fail\", \"applied\": true}}",
                 "field 'action.applied' only applies to error_in_200");
    parse_text_ok_applied();
}

static void test_parse_every_action(void **state)
{
    (void)state;
    static const char *const names[] = {"delay",
                                        "delay_after",
                                        "fail",
                                        "fail_after",
                                        "drop",
                                        "drop_after",
                                        "conflict",
                                        "hold",
                                        "stale_read",
                                        "throttle",
                                        "ignore_conditions",
                                        "etag_random",
                                        "error_in_200"};
    assert_int_equal(sizeof names / sizeof names[0], FAULT_ACTION_COUNT_);
    for (int i = 0; i < FAULT_ACTION_COUNT_; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"action\": {\"type\": \"%s\", \"ms\": 5}}", names[i]);
        parse_ok(text);
        assert_int_equal(rule.action, i);
        assert_string_equal(fault_action_name((enum fault_action)i), names[i]);
    }
    assert_string_equal(fault_action_name(FAULT_ACTION_COUNT_), "?");
}

static void test_validation_messages(void **state)
{
    (void)state;
    expect_error("{\"match\": {\"colour\": \"red\"}, \"action\": {\"type\": \"fail\"}}",
                 "unknown field 'match.colour'");
    expect_error("{\"action\": {\"type\": \"fail\", \"foo\": 1}}", "unknown field 'action.foo'");
    expect_error("{\"matcher\": {}, \"action\": {\"type\": \"fail\"}}", "unknown field 'matcher'");
    expect_error("[]", "a rule must be a JSON object with 'match' and 'action'");
    expect_error("{\"match\": [], \"action\": {\"type\": \"fail\"}}",
                 "field 'match' must be an object");
    expect_error("{\"match\": {\"key\": 5}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.key' must be a string (at most 127 characters)");
    expect_error(
        "{\"match\": {\"service\": \"s3s3s3s3s3s3s3s3\"}, \"action\": {\"type\": \"fail\"}}",
        "field 'match.service' must be a string (at most 15 characters)");
    expect_error("{\"match\": {\"service\": \"ec2\"}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.service' must be s3, dynamodb or sts");
    expect_error("{\"match\": {\"nth\": \"2\"}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.nth' must be a non-negative integer");
    expect_error("{\"match\": {\"every\": -1}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.every' must be a non-negative integer");
    expect_error("{\"match\": {\"count\": 1.5}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.count' must be a non-negative integer");
    expect_error("{\"match\": {\"seed\": true}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.seed' must be a non-negative integer");
    expect_error("{\"match\": {\"after_ms\": \"1\"}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.after_ms' must be a non-negative integer");
    expect_error("{\"match\": {\"before_ms\": -5}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.before_ms' must be a non-negative integer");
    expect_error("{\"match\": {\"conditional\": 1}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.conditional' must be true or false");
    expect_error("{\"match\": {\"probability\": 1.5}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.probability' must be a number from 0 to 1");
    expect_error("{\"match\": {\"probability\": \"0.5\"}, \"action\": {\"type\": \"fail\"}}",
                 "field 'match.probability' must be a number from 0 to 1");
    expect_error("{\"match\": {}}", "field 'action' is required and must be an object");
    expect_error("{\"action\": \"fail\"}", "field 'action' is required and must be an object");
    expect_error("{\"action\": {}}",
                 "field 'action.type' is required (delay, delay_after, fail, fail_after, drop, "
                 "drop_after, conflict, hold, stale_read, throttle, ignore_conditions, "
                 "etag_random, error_in_200)");
    expect_error("{\"action\": {\"type\": \"explode\"}}",
                 "field 'action.type' names no known action");
    expect_error("{\"action\": {\"type\": \"delay\"}}",
                 "field 'action.ms' is required (milliseconds > 0)");
    expect_error("{\"action\": {\"type\": \"delay_after\", \"ms\": 0}}",
                 "field 'action.ms' is required (milliseconds > 0)");
    expect_error("{\"action\": {\"type\": \"stale_read\"}}",
                 "field 'action.ms' is required (milliseconds > 0)");
    expect_error("{\"action\": {\"type\": \"delay\", \"ms\": \"5\"}}",
                 "field 'action.ms' must be a non-negative integer");
    expect_error("{\"action\": {\"type\": \"fail\", \"status\": 200}}",
                 "field 'action.status' must be an HTTP error status (400-599)");
    expect_error("{\"action\": {\"type\": \"fail_after\", \"status\": 600}}",
                 "field 'action.status' must be an HTTP error status (400-599)");
    expect_error("{\"action\": {\"type\": \"fail\", \"status\": 4294967796}}",
                 "field 'action.status' must be an HTTP error status (400-599)");
    expect_error("{\"action\": {\"type\": \"fail\", \"code\": 7}}",
                 "field 'action.code' must be a string (at most 63 characters)");
    expect_error("{\"action\": {\"type\": \"fail\", \"until\": {}}}",
                 "field 'action.until' only applies to hold");
    expect_error("{\"action\": {\"type\": \"delay\", \"ms\": 1, \"until\": {}}}",
                 "field 'action.until' only applies to hold");
    expect_error("{\"action\": {\"type\": \"hold\", \"until\": 1}}",
                 "field 'action.until' must be an object");
    expect_error("{\"action\": {\"type\": \"hold\", \"until\": {\"colour\": 1}}}",
                 "unknown field 'action.until.colour'");
    expect_error("{\"action\": {\"type\": \"hold\", \"until\": {\"nth\": \"x\"}}}",
                 "field 'action.until.nth' must be a non-negative integer");
}

static void test_text_form(void **state)
{
    (void)state;
    text_ok("service=s3,op=PutObject,key=*.tflock,client=A,conditional=true,nth=1,"
            "action=fail_after,status=500,code=InternalError");
    assert_string_equal(rule.match.service, "s3");
    assert_string_equal(rule.match.op, "PutObject");
    assert_string_equal(rule.match.key, "*.tflock");
    assert_string_equal(rule.match.client, "A");
    assert_int_equal(rule.match.conditional, 1);
    assert_int_equal(rule.match.nth, 1);
    assert_int_equal(rule.action, FAULT_FAIL_AFTER);
    assert_int_equal(rule.status, 500);
    assert_string_equal(rule.code, "InternalError");

    text_ok("probability=0.5,seed=9,conditional=false,action=delay,ms=250");
    assert_true(rule.match.probability == 0.5);
    assert_int_equal(rule.match.seed, 9);
    assert_int_equal(rule.match.conditional, 0);
    assert_int_equal(rule.ms, 250);
    /* Names stay names even when they look like numbers or booleans. */
    text_ok("key=1,client=true,bucket=007,action=throttle");
    assert_string_equal(rule.match.key, "1");
    assert_string_equal(rule.match.client, "true");
    assert_string_equal(rule.match.bucket, "007");
    text_ok("type=conflict");
    assert_int_equal(rule.action, FAULT_CONFLICT);
    text_ok("client=A,action=hold,ms=1000,until.client=B,until.op=PutObject,until.nth=2");
    assert_int_equal(rule.has_until, 1);
    assert_string_equal(rule.until.client, "B");
    assert_string_equal(rule.until.op, "PutObject");
    assert_int_equal(rule.until.nth, 2);
    assert_int_equal(rule.ms, 1000);

    text_error("action", "'action' is not key=value");
    text_error("key=a,,action=fail", "'' is not key=value");
    text_error("action=explode", "field 'action.type' names no known action");
    text_error("key=x", "field 'action.type' is required (delay, delay_after, fail, fail_after, "
                        "drop, drop_after, conflict, hold, stale_read, throttle, "
                        "ignore_conditions, etag_random, error_in_200)");
    text_error("colour=red,action=fail", "unknown field 'action.colour'");
    text_error("nth=two,action=fail", "field 'match.nth' must be a non-negative integer");
    text_error("action=delay", "field 'action.ms' is required (milliseconds > 0)");
    text_error("action=fail,status=99",
               "field 'action.status' must be an HTTP error status (400-599)");
    text_error("action=fail,until.key=x", "field 'action.until' only applies to hold");
    text_error("action=hold,until.colour=x", "unknown field 'action.until.colour'");
}

static void test_to_json_round_trip(void **state)
{
    (void)state;
    parse_ok("{\"match\": {\"service\": \"s3\", \"key\": \"k*\", \"conditional\": false,"
             " \"nth\": 2, \"probability\": 0.5, \"seed\": 3, \"after_ms\": 0},"
             " \"action\": {\"type\": \"hold\", \"ms\": 9, \"until\": {\"client\": \"B\"}}}");
    snprintf(rule.id, sizeof rule.id, "f1");
    json_t *j = fault_rule_to_json(&rule);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(
        text,
        "{\"action\":{\"ms\":9,\"type\":\"hold\",\"until\":{\"client\":\"B\"}},\"fired\":0,"
        "\"id\":\"f1\",\"match\":{\"after_ms\":0,\"conditional\":false,\"key\":\"k*\",\"nth\":2,"
        "\"probability\":0.5,\"seed\":3,\"service\":\"s3\"},\"matched\":0}");
    struct fault_rule again;
    assert_int_equal(fault_rule_from_json(j, &again, err, sizeof err), 0);
    assert_string_equal(again.match.key, "k*");
    assert_int_equal(again.match.nth, 2);
    assert_int_equal(again.until.conditional, -1);
    free(text);
    json_decref(j);
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(fault_glob("", ""));
    assert_false(fault_glob("", "a"));
    assert_true(fault_glob("*", ""));
    assert_true(fault_glob("*", "anything/at/all"));
    assert_true(fault_glob("abc", "abc"));
    assert_false(fault_glob("abc", "abcd"));
    assert_false(fault_glob("abcd", "abc"));
    assert_true(fault_glob("*.tflock", "env/prod/terraform.tfstate.tflock"));
    assert_false(fault_glob("*.tflock", "terraform.tfstate"));
    assert_true(fault_glob("locks/*", "locks/"));
    assert_true(fault_glob("locks/*/x", "locks/a/b/x"));
    assert_false(fault_glob("locks/*/x", "locks/a/b/y"));
    assert_true(fault_glob("a*b*c", "aXXbYYc"));
    assert_true(fault_glob("a*b*c", "abbbc"));
    assert_false(fault_glob("a*b*c", "acb"));
    assert_true(fault_glob("?", "x"));
    assert_false(fault_glob("?", ""));
    assert_false(fault_glob("?", "xy"));
    assert_true(fault_glob("k??", "k12"));
    assert_true(fault_glob("*?", "a"));
    assert_false(fault_glob("*?", ""));
    assert_true(fault_glob("**", "x"));
    assert_true(fault_glob("*a", "banana"));
    assert_false(fault_glob("*a", "bananas"));
    assert_false(fault_glob("Key", "key")); /* case-sensitive, like S3 keys */
}

static void test_match_static(void **state)
{
    (void)state;
    parse_ok("{\"match\": {\"service\": \"s3\", \"op\": \"PutObject\", \"bucket\": \"t?\","
             " \"key\": \"*.tflock\", \"client\": \"A*\", \"conditional\": true},"
             " \"action\": {\"type\": \"fail\"}}");
    struct fault_facts f = facts("PutObject", "x.tflock", "AB", 1, 0);
    assert_true(fault_match_static(&rule.match, &f));
    f.service = "dynamodb";
    assert_false(fault_match_static(&rule.match, &f));
    f = facts("GetObject", "x.tflock", "AB", 1, 0);
    assert_false(fault_match_static(&rule.match, &f));
    f = facts("PutObject", "x.tfstate", "AB", 1, 0);
    assert_false(fault_match_static(&rule.match, &f));
    f = facts("PutObject", "x.tflock", "B", 1, 0);
    assert_false(fault_match_static(&rule.match, &f));
    f = facts("PutObject", "x.tflock", NULL, 1, 0); /* no client known */
    assert_false(fault_match_static(&rule.match, &f));
    f = facts("PutObject", NULL, "A", 1, 0); /* bucket-level request */
    assert_false(fault_match_static(&rule.match, &f));
    f = facts("PutObject", "x.tflock", "A", 0, 0);
    assert_false(fault_match_static(&rule.match, &f));
    /* An empty matcher matches everything, NULLs included. */
    parse_ok("{\"action\": {\"type\": \"fail\"}}");
    struct fault_facts none = {0};
    assert_true(fault_match_static(&rule.match, &none));
    parse_ok(
        "{\"match\": {\"table\": \"locks\", \"conditional\": false}, \"action\": {\"type\": \"fail\"}}");
    struct fault_facts d = {"dynamodb", "PutItem", NULL, NULL, "locks", NULL, 0, 0};
    assert_true(fault_match_static(&rule.match, &d));
    d.conditional = 1;
    assert_false(fault_match_static(&rule.match, &d));
}

static void test_nth_every_count(void **state)
{
    (void)state;
    char p[32];
    parse_ok("{\"match\": {\"nth\": 3}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 6, p);
    assert_string_equal(p, "001000");
    assert_int_equal(rule.seen, 6);
    assert_int_equal(rule.fired, 1);
    parse_ok("{\"match\": {\"every\": 2}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 7, p);
    assert_string_equal(p, "0101010");
    parse_ok("{\"match\": {\"count\": 2}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 5, p);
    assert_string_equal(p, "11000");
    assert_int_equal(rule.fired, 2);
    parse_ok("{\"match\": {\"every\": 2, \"count\": 2}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 8, p);
    assert_string_equal(p, "01010000");
    parse_ok("{\"match\": {\"nth\": 2, \"every\": 2}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 5, p);
    assert_string_equal(p, "01000");
    /* Requests that do not match statically are not counted. */
    parse_ok("{\"match\": {\"key\": \"k\", \"nth\": 2}, \"action\": {\"type\": \"fail\"}}");
    struct fault_facts other = facts("PutObject", "other", "A", 1, 0);
    assert_false(fault_rule_fires(&rule, &other));
    assert_int_equal(rule.seen, 0);
    pattern(&rule, 3, p);
    assert_string_equal(p, "010");
    /* Modes count the same way. */
    parse_ok("{\"match\": {\"count\": 1}, \"action\": {\"type\": \"ignore_conditions\"}}");
    pattern(&rule, 3, p);
    assert_string_equal(p, "100");
}

static void test_probability_with_seed(void **state)
{
    (void)state;
    char a[201], b[201], c[201];
    parse_ok("{\"match\": {\"probability\": 0.3, \"seed\": 42}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 200, a);
    parse_ok("{\"match\": {\"probability\": 0.3, \"seed\": 42}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 200, b);
    assert_string_equal(a, b); /* same seed, same decisions */
    parse_ok("{\"match\": {\"probability\": 0.3, \"seed\": 43}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 200, c);
    assert_string_not_equal(a, c);
    int fired = 0;
    for (int i = 0; i < 200; i++)
        fired += a[i] == '1';
    assert_in_range(fired, 35, 85); /* about 60 of 200 */
    /* The text form parses to the same rule, hence the same decisions. */
    text_ok("probability=0.3,seed=42,action=fail");
    pattern(&rule, 200, c);
    assert_string_equal(a, c);
    /* Without a seed the stream is fixed too (a constant seed), so runs repeat. */
    parse_ok("{\"match\": {\"probability\": 0.5}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 100, a);
    parse_ok("{\"match\": {\"probability\": 0.5}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 100, b);
    assert_string_equal(a, b);
    parse_ok("{\"match\": {\"probability\": 0}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 50, a);
    assert_null(strchr(a, '1'));
    /* count caps a probabilistic rule. */
    parse_ok(
        "{\"match\": {\"probability\": 0.5, \"seed\": 1, \"count\": 3}, \"action\": {\"type\": \"fail\"}}");
    pattern(&rule, 100, a);
    assert_int_equal(rule.fired, 3);
}

static void test_time_window(void **state)
{
    (void)state;
    parse_ok(
        "{\"match\": {\"after_ms\": 100, \"before_ms\": 300}, \"action\": {\"type\": \"fail\"}}");
    rule.added_ms = 1000;
    struct fault_facts f = facts("PutObject", "k", "A", 1, 1099);
    assert_false(fault_rule_fires(&rule, &f));
    f.now_ms = 1100;
    assert_true(fault_rule_fires(&rule, &f));
    f.now_ms = 1300;
    assert_true(fault_rule_fires(&rule, &f));
    f.now_ms = 1301;
    assert_false(fault_rule_fires(&rule, &f));
    assert_int_equal(rule.seen, 2); /* outside the window: not counted for nth */
    parse_ok("{\"match\": {\"after_ms\": 50, \"nth\": 1}, \"action\": {\"type\": \"fail\"}}");
    rule.added_ms = 0;
    f.now_ms = 10;
    assert_false(fault_rule_fires(&rule, &f));
    f.now_ms = 60;
    assert_true(fault_rule_fires(&rule, &f)); /* the first request inside the window */
    assert_false(fault_rule_fires(&rule, &f));
    parse_ok("{\"match\": {\"before_ms\": 0}, \"action\": {\"type\": \"fail\"}}");
    rule.added_ms = 500;
    f.now_ms = 500;
    assert_true(fault_rule_fires(&rule, &f));
    f.now_ms = 501;
    assert_false(fault_rule_fires(&rule, &f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_every_field),     cmocka_unit_test(test_parse_defaults),
        cmocka_unit_test(test_parse_every_action),    cmocka_unit_test(test_validation_messages),
        cmocka_unit_test(test_error_in_200_rules),    cmocka_unit_test(test_text_form),
        cmocka_unit_test(test_to_json_round_trip),    cmocka_unit_test(test_glob),
        cmocka_unit_test(test_match_static),          cmocka_unit_test(test_nth_every_count),
        cmocka_unit_test(test_probability_with_seed), cmocka_unit_test(test_time_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
