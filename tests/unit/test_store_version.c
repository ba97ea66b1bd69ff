/* test_store_version.c - store versioning (noncurrent versions, delete markers, the null
 * version) and multipart uploads (parts, completion, generation at initiation). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/store.h"
#include "lockyard/store_multipart.h"
#include "lockyard/store_version.h"

static struct store *open_mem(void)
{
    struct store_opts o = {NULL, STORE_DURABILITY_NONE, 1u << 30};
    struct store *s = NULL;
    assert_int_equal(store_open(&o, &s), 0);
    assert_int_equal(store_bucket_create(s, "b", "us-east-1", 1), 0);
    return s;
}

static uint64_t put(struct store *s, const char *k, const char *body, uint32_t *flags)
{
    struct store_obj o;
    memset(&o, 0, sizeof o);
    o.etag = "00112233445566778899aabbccddeeff";
    o.size = strlen(body);
    assert_int_equal(store_obj_put(s, "b", k, &o, body, NULL, NULL), 0);
    if (flags)
        *flags = o.flags;
    return o.seq;
}

static int count_fn(void *ctx, const char *key, const struct store_obj *o, int latest)
{
    (void)key;
    (void)o;
    (void)latest;
    (*(int *)ctx)++;
    return 0;
}

static void test_versions(void **state)
{
    (void)state;
    struct store *s = open_mem();
    struct ly_arena a;
    struct ly_buf body;
    struct store_obj o;
    struct store_del_result r;
    uint32_t f;
    ly_arena_init(&a, 1 << 20);
    ly_buf_init(&body, 1 << 20);
    uint64_t v0 = put(s, "k", "null-version", &f);
    assert_int_equal(f, 0);
    assert_int_equal(store_bucket_conf_put(s, "b", STORE_CONF_VERSIONING, "Enabled", 7), 0);
    uint64_t v1 = put(s, "k", "one", &f);
    assert_int_equal(f, STORE_OBJ_VERSIONED);
    assert_int_equal(store_obj_delete_version(s, "b", "k", NULL, NULL, 0, &r), 0);
    assert_true(r.marker_created);
    assert_int_equal(store_obj_get(s, "b", "k", &a, &o, NULL), LY_ENOENT);
    assert_true(o.flags & STORE_OBJ_DELETE_MARKER);
    int n = 0;
    assert_int_equal(store_version_list(s, "b", NULL, NULL, &a, count_fn, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(store_obj_get_version(s, "b", "k", 0, &a, &o, &body), 0);
    assert_int_equal(o.seq, v0);
    assert_memory_equal(body.data, "null-version", 12);
    uint64_t dm = r.seq;
    assert_int_equal(store_obj_delete_version(s, "b", "k", &dm, NULL, 0, &r), 0);
    assert_true(r.deleted_marker);
    assert_int_equal(store_obj_get(s, "b", "k", &a, &o, NULL), 0); /* v1 is current again */
    assert_int_equal(o.seq, v1);
    assert_int_equal(store_bucket_delete(s, "b"), LY_ENOTEMPTY);
    uint64_t zero = 0;
    assert_int_equal(store_obj_delete_version(s, "b", "k", &v1, NULL, 0, &r), 0);
    assert_int_equal(store_obj_delete_version(s, "b", "k", &zero, NULL, 0, &r), 0);
    assert_int_equal(store_obj_get(s, "b", "k", &a, &o, NULL), LY_ENOENT);
    assert_int_equal(store_bucket_delete(s, "b"), 0);
    ly_buf_cleanup(&body);
    ly_arena_cleanup(&a);
    store_close(s);
}

static int complete_fn(void *ctx, const struct store_upload *u,
                       const struct store_obj *const *parts, const void *const *bodies, size_t n,
                       const struct store_obj *cur, struct store_obj *obj)
{
    uint64_t *init_seq = ctx;
    (void)bodies;
    *init_seq = u->init_seq;
    obj->etag = "00112233445566778899aabbccddeeff-2";
    obj->size = 0;
    for (size_t i = 0; i < n; i++) {
        if (!parts[i])
            return LY_EINVAL;
        obj->size += parts[i]->size;
    }
    return cur && cur->seq != u->init_seq ? LY_ECONFLICT : 0;
}

static void test_multipart(void **state)
{
    (void)state;
    struct store *s = open_mem();
    struct ly_arena a;
    struct ly_buf body;
    struct store_obj o, part;
    struct store_upload u;
    ly_arena_init(&a, 1 << 20);
    ly_buf_init(&body, 1 << 20);
    uint64_t g = put(s, "k", "old", NULL);
    memset(&u, 0, sizeof u);
    u.key = "k";
    u.meta.etag = "";
    u.meta.content_type = "text/plain";
    assert_int_equal(store_upload_create(s, "b", &u, &a), 0);
    assert_int_equal(u.init_seq, g);
    memset(&part, 0, sizeof part);
    part.etag = "00112233445566778899aabbccddeeff";
    part.size = 3;
    assert_int_equal(store_part_put(s, "b", "k", u.upload_id, 2, &part, "def"), 0);
    assert_int_equal(store_part_put(s, "b", "k", u.upload_id, 1, &part, "abc"), 0);
    assert_int_equal(store_part_put(s, "b", "other", u.upload_id, 1, &part, "abc"), LY_ENOENT);
    assert_int_equal(store_obj_get(s, "b", "k", &a, &o, &body), 0);
    assert_memory_equal(body.data, "old", 3); /* parts are invisible */
    long nums[2] = {1, 2};
    uint64_t seen = 0;
    struct store_upload_done done, got;
    memset(&done, 0, sizeof done);
    memset(done.digest, 7, sizeof done.digest);
    done.completed_ms = 1234;
    put(s, "k", "overwritten", NULL); /* a write since initiation */
    assert_int_equal(store_upload_complete(s, "b", "k", u.upload_id, nums, 2, 100, &a, &o, &done,
                                           complete_fn, &seen),
                     LY_ECONFLICT);
    assert_int_equal(seen, g);
    assert_int_equal(store_obj_delete(s, "b", "k", NULL, NULL), 0);
    assert_int_equal(store_upload_complete(s, "b", "k", u.upload_id, nums, 2, 5, &a, &o, &done,
                                           complete_fn, &seen),
                     LY_ETOOBIG);
    assert_int_equal(store_upload_complete(s, "b", "k", u.upload_id, nums, 2, 100, &a, &o, &done,
                                           complete_fn, &seen),
                     0);
    ly_buf_reset(&body);
    assert_int_equal(store_obj_get(s, "b", "k", &a, &o, &body), 0);
    assert_int_equal(o.size, 6);
    assert_memory_equal(body.data, "abcdef", 6);
    assert_string_equal(o.content_type, "text/plain");
    /* the completed upload is remembered for a retried completion, but is no upload */
    assert_int_equal(store_upload_done_get(s, "b", u.upload_id, &a, &got), 0);
    assert_string_equal(got.key, "k");
    assert_string_equal(got.obj.etag, o.etag);
    assert_int_equal(got.obj.seq, o.seq);
    assert_int_equal(got.completed_ms, 1234);
    assert_memory_equal(got.digest, done.digest, sizeof got.digest);
    assert_int_equal(store_upload_done_get(s, "b", "nope", &a, &got), LY_ENOENT);
    struct store_upload *list;
    size_t nl = 9;
    assert_int_equal(store_upload_list(s, "b", &a, &list, &nl), 0);
    assert_int_equal(nl, 0);
    assert_int_equal(store_upload_get(s, "b", u.upload_id, &a, &u), LY_ENOENT);
    ly_buf_cleanup(&body);
    ly_arena_cleanup(&a);
    store_close(s);
}

struct seen {
    struct store_bconf conf;
    char policy[64];
    int refuse;
};

static int seen_conf_fn(void *ctx, const struct store_bconf *conf)
{
    struct seen *sn = ctx;
    sn->conf = *conf;
    memset(sn->policy, 0, sizeof sn->policy);
    if (conf->policy && conf->policy_len < sizeof sn->policy)
        memcpy(sn->policy, conf->policy, conf->policy_len);
    return sn->refuse;
}

/* One write transaction reads the bucket's configuration for the caller (versioning, policy and
 * its generation), a refusal there writes nothing, and the object read back carries the
 * bucket's versioning state (the x-amz-version-id decision needs no second transaction). */
static void test_write_sees_bucket_conf(void **state)
{
    (void)state;
    struct store *s = open_mem();
    struct seen sn;
    memset(&sn, 0, sizeof sn);
    struct store_write_hooks h = {seen_conf_fn, NULL, &sn};
    struct store_obj o, g;
    struct ly_arena a;
    memset(&o, 0, sizeof o);
    o.etag = "00112233445566778899aabbccddeeff";
    o.size = 1;
    assert_int_equal(store_obj_write(s, "b", "k", &o, "x", &h), 0);
    assert_null(sn.conf.policy);
    assert_int_equal(sn.conf.versioning, STORE_VERSIONING_OFF);
    assert_int_equal(o.bucket_versioning, STORE_VERSIONING_OFF);
    assert_int_equal(store_bucket_conf_put(s, "b", STORE_CONF_POLICY, "{\"p\":1}", 7), 0);
    assert_int_equal(store_bucket_conf_put(s, "b", STORE_CONF_VERSIONING, "Suspended", 9), 0);
    sn.refuse = LY_ECOND;
    assert_int_equal(store_obj_write(s, "b", "k2", &o, "x", &h), LY_ECOND);
    assert_string_equal(sn.policy, "{\"p\":1}");
    assert_int_equal(sn.conf.versioning, STORE_VERSIONING_SUSPENDED);
    uint64_t gen1 = sn.conf.policy_gen;
    assert_true(gen1 > 0);
    ly_arena_init(&a, 1u << 20);
    assert_int_equal(store_obj_get(s, "b", "k2", &a, &g, NULL), LY_ENOENT); /* refused: none */
    assert_int_equal(store_obj_get(s, "b", "k", &a, &g, NULL), 0);
    assert_int_equal(g.bucket_versioning, STORE_VERSIONING_SUSPENDED);
    assert_int_equal(store_obj_get_version(s, "b", "k", 0, &a, &g, NULL), 0);
    assert_int_equal(g.bucket_versioning, STORE_VERSIONING_SUSPENDED);
    ly_arena_cleanup(&a);
    /* the same document stored again is a new generation; removed, no policy at all */
    assert_int_equal(store_bucket_conf_put(s, "b", STORE_CONF_POLICY, "{\"p\":1}", 7), 0);
    sn.refuse = 0;
    assert_int_equal(store_obj_write(s, "b", "k3", &o, "x", &h), 0);
    assert_true(sn.conf.policy_gen > gen1);
    assert_int_equal(o.bucket_versioning, STORE_VERSIONING_SUSPENDED);
    assert_int_equal(store_bucket_conf_put(s, "b", STORE_CONF_POLICY, NULL, 0), 0);
    struct store_del_result r;
    assert_int_equal(store_obj_delete_version(s, "b", "k3", NULL, &h, 0, &r), 0);
    assert_null(sn.conf.policy);
    assert_int_equal(sn.conf.policy_gen, 0);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_write_sees_bucket_conf),
    };
    return cmocka_run_group_tests_name("store_version", tests, NULL, NULL);
}
