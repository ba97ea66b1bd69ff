/* test_s3_policy_closed.c - a bucket policy that cannot be read or parsed denies object writes
 * and deletes (fails closed) instead of letting them through; with the compiled-policy cache,
 * every change of the stored policy (replaced, removed, bucket deleted and created again) is
 * seen by the next request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/s3.h"
#include "lockyard/store.h"
#include "lockyard/store_version.h"

static void call(struct s3_ctx *ctx, enum ly_method m, const char *name, const char *key,
                 struct ly_resp *resp)
{
    static const struct ly_hdr length[] = {{"Content-Length", "1"}};
    struct ly_arena a;
    struct ly_req req;
    ly_arena_init(&a, 1u << 20);
    memset(&req, 0, sizeof req);
    req.arena = &a;
    req.method = m;
    req.method_name = name;
    req.raw_path = "/b/k";
    req.raw_query = "";
    req.body = (const unsigned char *)"v";
    req.body_len = m == LY_PUT ? 1 : 0;
    req.hdrs = length;
    req.nhdrs = m == LY_PUT ? 1 : 0;
    req.request_id = "0000000000000000";
    req.host_id = "";
    req.now_ms = 1700000000000LL;
    req.bucket = "b";
    req.key = key;
    ly_resp_init(resp, 1u << 20);
    s3_handle(ctx, &req, resp);
    ly_arena_cleanup(&a);
}

static void unparsable_policy_denies(int cached)
{
    struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1u << 30};
    struct store *s = NULL;
    assert_int_equal(store_open(&o, &s), 0);
    assert_int_equal(store_bucket_create(s, "b", "us-east-1", 1), 0);
    struct s3_config cfg = {"us-east-1", 1u << 20, 0, 0, 0};
    struct s3_ctx ctx = {s, &cfg, cached ? s3_policy_cache_new() : NULL};
    struct ly_resp resp;
    call(&ctx, LY_PUT, "PUT", "k", &resp);
    assert_int_equal(resp.status, 200); /* no policy: allowed */
    ly_resp_cleanup(&resp);
    /* A stored document the policy parser refuses (as from an older version or a torn write). */
    const char *bad = "{\"Version\": \"2012-10-17\", \"Statement\": [";
    assert_int_equal(store_bucket_conf_put(s, "b", STORE_CONF_POLICY, bad, strlen(bad)), 0);
    call(&ctx, LY_PUT, "PUT", "k2", &resp);
    assert_int_equal(resp.status, 403);
    assert_non_null(strstr(resp.body.data, "could not be read"));
    ly_resp_cleanup(&resp);
    call(&ctx, LY_DELETE, "DELETE", "k", &resp);
    assert_int_equal(resp.status, 403);
    ly_resp_cleanup(&resp);
    s3_policy_cache_free(ctx.policies);
    store_close(s);
}

static void test_unparsable_policy_denies(void **state)
{
    (void)state;
    unparsable_policy_denies(0);
}

static void test_unparsable_policy_denies_cached(void **state)
{
    (void)state;
    unparsable_policy_denies(1);
}

static int put_status(struct s3_ctx *ctx, const char *key)
{
    struct ly_resp resp;
    call(ctx, LY_PUT, "PUT", key, &resp);
    int st = resp.status;
    ly_resp_cleanup(&resp);
    return st;
}

static void set_policy(struct store *s, const char *doc)
{
    assert_int_equal(store_bucket_conf_put(s, "b", STORE_CONF_POLICY, doc, doc ? strlen(doc) : 0),
                     0);
}

/* The cache answers from the compiled policy of the stored generation, never an older one. */
static void test_cached_policy_follows_changes(void **state)
{
    (void)state;
    static const char deny_put[] =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
        "\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:PutObject\",\"Resource\":"
        "\"arn:aws:s3:::b/*\"}]}";
    static const char deny_other[] =
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
        "\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:PutObject\",\"Resource\":"
        "\"arn:aws:s3:::b/other\"}]}";
    struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1u << 30};
    struct store *s = NULL;
    assert_int_equal(store_open(&o, &s), 0);
    assert_int_equal(store_bucket_create(s, "b", "us-east-1", 1), 0);
    struct s3_config cfg = {"us-east-1", 1u << 20, 0, 0, 0};
    struct s3_ctx ctx = {s, &cfg, s3_policy_cache_new()};
    assert_non_null(ctx.policies);
    set_policy(s, deny_put);
    assert_int_equal(put_status(&ctx, "k"), 403);
    assert_int_equal(put_status(&ctx, "k"), 403); /* from the cache */
    set_policy(s, deny_other);                    /* replaced: same length class, new text */
    assert_int_equal(put_status(&ctx, "k"), 200);
    assert_int_equal(put_status(&ctx, "other"), 403);
    set_policy(s, NULL); /* removed */
    assert_int_equal(put_status(&ctx, "other"), 200);
    set_policy(s, deny_put);
    assert_int_equal(put_status(&ctx, "k2"), 403);
    /* the bucket deleted and created again: its old policy is gone with it */
    struct ly_resp resp;
    call(&ctx, LY_DELETE, "DELETE", "k", &resp);
    ly_resp_cleanup(&resp);
    call(&ctx, LY_DELETE, "DELETE", "other", &resp);
    ly_resp_cleanup(&resp);
    set_policy(s, NULL);
    assert_int_equal(store_bucket_delete(s, "b"), 0);
    assert_int_equal(store_bucket_create(s, "b", "us-east-1", 2), 0);
    assert_int_equal(put_status(&ctx, "k"), 200);
    set_policy(s, deny_other);
    assert_int_equal(put_status(&ctx, "k"), 200);
    assert_int_equal(put_status(&ctx, "other"), 403);
    s3_policy_cache_free(ctx.policies);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unparsable_policy_denies),
        cmocka_unit_test(test_unparsable_policy_denies_cached),
        cmocka_unit_test(test_cached_policy_follows_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
