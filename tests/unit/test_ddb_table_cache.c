/* test_ddb_table_cache.c - the data-plane requests' table cache (mock/ddb/ddb_cache.c): a table
 * found without a store read is the one the store holds now. Deleted, created again with another
 * key schema, given a TTL attribute, wiped by store_reset, or read from a snapshot: every
 * request answers as one that read the table record itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/ddb.h"

static struct store *store;
static struct ddb_config config = {"us-east-1", "000000000000"};
static struct ddb_ctx ctx;
static char answer[4096];

/* One request through ddb_handle, its body parsed into the arena as net does; the status, and
 * the answer's body in `answer`. */
static int call(const char *op, const char *body)
{
    char target[96];
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    struct ly_hdr hdrs[2] = {{"X-Amz-Target", target},
                             {"Content-Type", "application/x-amz-json-1.0"}};
    struct ly_arena a;
    struct ly_req req;
    struct ly_resp resp;
    ly_arena_init(&a, 1 << 20);
    memset(&req, 0, sizeof req);
    req.arena = &a;
    req.method = LY_POST;
    req.method_name = "POST";
    req.raw_path = "/";
    req.raw_query = "";
    req.hdrs = hdrs;
    req.nhdrs = 2;
    req.body = (const unsigned char *)body;
    req.body_len = strlen(body);
    req.request_id = "TESTREQUEST00001";
    req.host_id = "test";
    req.now_ms = 1800000000000LL;
    req.json_body = ddb_body_parse(&a, body, strlen(body));
    ly_resp_init(&resp, 1 << 20);
    ddb_handle(&ctx, &req, &resp);
    json_decref(req.json_body);
    snprintf(answer, sizeof answer, "%.*s", (int)resp.body.len,
             resp.body.data ? resp.body.data : "");
    int status = resp.status;
    ly_resp_cleanup(&resp);
    ly_arena_cleanup(&a);
    return status;
}

static void create(const char *key)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"TableName\":\"tbl\",\"BillingMode\":\"PAY_PER_REQUEST\","
             "\"AttributeDefinitions\":[{\"AttributeName\":\"%s\",\"AttributeType\":\"S\"}],"
             "\"KeySchema\":[{\"AttributeName\":\"%s\",\"KeyType\":\"HASH\"}]}",
             key, key);
    int st = call("CreateTable", body);
    if (st != 200)
        fail_msg("%s", answer);
}

static int put(const char *key)
{
    char body[256];
    snprintf(body, sizeof body, "{\"TableName\":\"tbl\",\"Item\":{\"%s\":{\"S\":\"a\"}}}", key);
    return call("PutItem", body);
}

static int setup(void **state)
{
    (void)state;
    struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1u << 30};
    assert_int_equal(store_open(&o, &store), 0);
    ctx = (struct ddb_ctx){store, &config, NULL};
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ddb_ctx_cleanup(&ctx);
    store_close(store);
    return 0;
}

static void test_deleted_and_created_again(void **state)
{
    (void)state;
    create("LockID");
    assert_int_equal(put("LockID"), 200);
    assert_int_equal(put("LockID"), 200); /* from the cache */
    assert_int_equal(call("DeleteTable", "{\"TableName\":\"tbl\"}"), 200);
    assert_int_equal(put("LockID"), 400);
    assert_non_null(strstr(answer, "ResourceNotFoundException"));
    create("pk"); /* the same name, another key */
    assert_int_equal(put("LockID"), 400);
    assert_non_null(strstr(answer, "Missing the key pk in the item"));
    assert_int_equal(put("pk"), 200);
    assert_int_equal(call("GetItem", "{\"TableName\":\"tbl\",\"Key\":{\"pk\":{\"S\":\"a\"}}}"),
                     200);
    assert_string_equal(answer, "{\"Item\":{\"pk\":{\"S\":\"a\"}}}");
}

static void test_store_reset(void **state)
{
    (void)state;
    assert_int_equal(put("pk"), 200);
    assert_int_equal(store_reset(store), 0);
    assert_int_equal(put("pk"), 400);
    assert_non_null(strstr(answer, "ResourceNotFoundException"));
    create("pk");
}

/* A snapshot from before the table was created again: reads from it see the old table, as they
 * did without the cache (the store's check by id answers not found), and nothing read then is
 * kept. */
static void test_snapshot_reads(void **state)
{
    (void)state;
    assert_int_equal(put("pk"), 200);
    struct store_snapshot *snap;
    assert_int_equal(store_snapshot_take(store, &snap), 0);
    assert_int_equal(call("DeleteTable", "{\"TableName\":\"tbl\"}"), 200);
    create("k2");
    store_read_at(store, snap);
    assert_int_equal(call("GetItem", "{\"TableName\":\"tbl\",\"Key\":{\"pk\":{\"S\":\"a\"}}}"),
                     200);
    assert_string_equal(answer, "{\"Item\":{\"pk\":{\"S\":\"a\"}}}");
    store_read_at(store, NULL);
    store_snapshot_free(store, snap);
    assert_int_equal(call("GetItem", "{\"TableName\":\"tbl\",\"Key\":{\"pk\":{\"S\":\"a\"}}}"),
                     400);
    assert_non_null(strstr(answer, "The provided key element does not match the schema"));
    assert_int_equal(put("k2"), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deleted_and_created_again),
        cmocka_unit_test(test_store_reset),
        cmocka_unit_test(test_snapshot_reads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
