/* test_aws_error.c - the AWS error tables and the writers of each wire format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "lockyard/arena.h"
#include "lockyard/aws_error.h"

/* Every error has exactly one row, with a status and a code that is unique in its service. */
static void test_every_error_has_one_row(void **state)
{
    (void)state;
    for (int e = AWS_ERR_NONE + 1; e < AWS_ERR_COUNT_; e++) {
        const struct aws_err_def *d = aws_err_def((enum aws_err)e);
        assert_non_null(d->code);
        assert_non_null(d->message);
        assert_true(d->status >= 200 && d->status <= 599);
        enum aws_service svc = aws_err_service((enum aws_err)e);
        assert_int_equal(aws_err_find(svc, d->code), e);
        if (svc == AWS_SVC_DDB)
            assert_non_null(d->ns);
    }
    assert_int_equal(aws_err_find(AWS_SVC_S3, "NoSuchThing"), AWS_ERR_NONE);
    assert_int_equal(aws_err_find(AWS_SVC_DDB, "NoSuchKey"), AWS_ERR_NONE);
    assert_int_equal(aws_err_find(AWS_SVC_STS, "SignatureDoesNotMatch"),
                     AWS_STS_SIGNATURE_DOES_NOT_MATCH);
    assert_int_equal(aws_err_find(AWS_SVC_S3, "SignatureDoesNotMatch"),
                     AWS_S3_SIGNATURE_DOES_NOT_MATCH);
}

struct fixture {
    struct ly_arena arena;
    struct ly_req req;
    struct ly_resp resp;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    ly_arena_init(&f.arena, 1u << 20);
    f.req.arena = &f.arena;
    f.req.method = LY_PUT;
    f.req.request_id = "REQ1";
    f.req.host_id = "HOST1";
    ly_resp_init(&f.resp, 1u << 20);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    ly_resp_cleanup(&f->resp);
    ly_arena_cleanup(&f->arena);
    return 0;
}

static void test_s3_document(void **state)
{
    struct fixture *f = *state;
    aws_s3_error(&f->req, &f->resp, AWS_S3_NO_SUCH_KEY, "Key", "a<b", NULL);
    assert_int_equal(f->resp.status, 404);
    assert_string_equal(f->resp.error_code, "NoSuchKey");
    assert_string_equal(ly_resp_header_get(&f->resp, "x-amz-request-id"), "REQ1");
    assert_string_equal(ly_resp_header_get(&f->resp, "Content-Type"), "application/xml");
    assert_memory_equal(f->resp.body.data,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
                        "<Message>The specified key does not exist.</Message><Key>a&lt;b</Key>"
                        "<RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
                        f->resp.body.len);
    /* "Message" replaces the table's; HEAD carries no body */
    f->req.method = LY_HEAD;
    aws_s3_error(&f->req, &f->resp, AWS_S3_SLOW_DOWN, "Message", "x", NULL);
    assert_int_equal(f->resp.status, 503);
    assert_int_equal(f->resp.body.len, 0);
}

static void test_ddb_document(void **state)
{
    struct fixture *f = *state;
    json_t *extra = json_pack("{s:s}", "Item", "x");
    aws_ddb_error(&f->req, &f->resp, AWS_DDB_CONDITIONAL_CHECK_FAILED, NULL, extra);
    json_decref(extra);
    assert_int_equal(f->resp.status, 400);
    assert_string_equal(f->resp.error_code, "ConditionalCheckFailedException");
    /* x-amz-crc32: zlib's CRC32 of the exact bytes, in decimal (the SDKs check it) */
    char want[16];
    snprintf(want, sizeof want, "%lu",
             crc32(0L, (const Bytef *)f->resp.body.data, (uInt)f->resp.body.len));
    assert_string_equal(ly_resp_header_get(&f->resp, "x-amz-crc32"), want);
    json_t *doc = json_loadb(f->resp.body.data, f->resp.body.len, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "__type")),
                        "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
    assert_string_equal(json_string_value(json_object_get(doc, "message")),
                        "The conditional request failed");
    assert_string_equal(json_string_value(json_object_get(doc, "Item")), "x");
    json_decref(doc);
    /* a body that is not JSON: SerializationException without any message member */
    aws_ddb_error(&f->req, &f->resp, AWS_DDB_SERIALIZATION, "", NULL);
    assert_memory_equal(f->resp.body.data,
                        "{\"__type\":\"com.amazon.coral.service#SerializationException\"}",
                        f->resp.body.len);
}

static void test_sts_document(void **state)
{
    struct fixture *f = *state;
    aws_sts_error(&f->req, &f->resp, AWS_STS_INVALID_CLIENT_TOKEN_ID, NULL);
    assert_int_equal(f->resp.status, 403);
    assert_string_equal(f->resp.error_code, "InvalidClientTokenId");
    assert_non_null(strstr(f->resp.body.data, "<Type>Sender</Type><Code>InvalidClientTokenId"
                                              "</Code>"));
    aws_sts_error(&f->req, &f->resp, AWS_STS_INTERNAL_FAILURE, NULL);
    assert_int_equal(f->resp.status, 500);
    assert_non_null(strstr(f->resp.body.data, "<Type>Receiver</Type>"));
}

/* A fault rule's code in each format: its status, its code, the table's namespace if known. */
static void test_injected(void **state)
{
    struct fixture *f = *state;
    aws_injected_error(&f->req, &f->resp, AWS_SVC_S3, 599, "MyCode", "m");
    assert_int_equal(f->resp.status, 599);
    assert_string_equal(f->resp.error_code, "MyCode");
    assert_non_null(strstr(f->resp.body.data, "<Code>MyCode</Code><Message>m</Message>"));
    aws_injected_error(&f->req, &f->resp, AWS_SVC_DDB, 500, "InternalError", "m");
    assert_string_equal(f->resp.error_code, "InternalServerError");
    assert_non_null(
        strstr(f->resp.body.data, "\"com.amazonaws.dynamodb.v20120810#InternalServerError\""));
    aws_injected_error(&f->req, &f->resp, AWS_SVC_DDB, 400, "InvalidRequest", "m");
    assert_non_null(strstr(f->resp.body.data, "\"com.amazon.coral.validate#ValidationException\""));
    aws_injected_error(&f->req, &f->resp, AWS_SVC_STS, 400, "Throttling", "m");
    assert_non_null(strstr(f->resp.body.data, "<Code>Throttling</Code>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error_has_one_row),
        cmocka_unit_test_setup_teardown(test_s3_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ddb_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts_document, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injected, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
