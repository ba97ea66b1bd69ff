/* test_s3_policy_closed.c - a bucket policy that cannot be read or parsed denies object writes
 * and deletes (fails closed) instead of letting them through. */
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

static void test_unparsable_policy_denies(void **state)
{
    (void)state;
    struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1u << 30};
    struct store *s = NULL;
    assert_int_equal(store_open(&o, &s), 0);
    assert_int_equal(store_bucket_create(s, "b", "us-east-1", 1), 0);
    struct s3_config cfg = {"us-east-1", 1u << 20, 0, 0, 0};
    struct s3_ctx ctx = {s, &cfg};
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
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unparsable_policy_denies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
