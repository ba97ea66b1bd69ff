/* test_store.c - LMDB store: buckets, objects, atomic check-then-write, listing, persistence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockyard/store.h"

static struct store *open_tmp(const char *dir)
{
    struct store_opts o = {dir, STORE_DURABILITY_NONE, 1u << 30};
    struct store *s = NULL;
    assert_int_equal(store_open(&o, &s), 0);
    return s;
}

static int put(struct store *s, const char *b, const char *k, const char *body, store_check_fn fn,
               void *ctx)
{
    struct store_obj o;
    memset(&o, 0, sizeof o);
    o.etag = "00112233445566778899aabbccddeeff";
    o.size = strlen(body);
    o.mtime_ms = 1000;
    o.content_type = "text/plain";
    o.meta[0].name = "owner";
    o.meta[0].value = "alice";
    o.nmeta = 1;
    return store_obj_put(s, b, k, &o, body, fn, ctx);
}

static void test_buckets(void **state)
{
    (void)state;
    struct store *s = open_tmp(NULL);
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    assert_int_equal(store_bucket_create(s, "bkt-b", "us-east-1", 5), 0);
    assert_int_equal(store_bucket_create(s, "bkt-a", "eu-west-1", 6), 0);
    assert_int_equal(store_bucket_create(s, "bkt-a", "eu-west-1", 7), LY_EEXIST);
    struct store_bucket *list, one;
    size_t n;
    assert_int_equal(store_bucket_list(s, &a, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "bkt-a");
    assert_string_equal(list[0].region, "eu-west-1");
    assert_int_equal(list[0].ctime_ms, 6);
    assert_int_equal(store_bucket_get(s, "bkt-b", &a, &one), 0);
    assert_int_equal(store_bucket_get(s, "nope", &a, &one), LY_ENOENT);
    assert_int_equal(put(s, "bkt-a", "k", "v", NULL, NULL), 0);
    assert_int_equal(store_bucket_delete(s, "bkt-a"), LY_ENOTEMPTY);
    /* "bkt-a" holding an object must not make the prefix bucket "bkt" look non-empty. */
    assert_int_equal(store_bucket_create(s, "bkt", "us-east-1", 8), 0);
    assert_int_equal(store_bucket_delete(s, "bkt"), 0);
    assert_int_equal(store_bucket_delete(s, "bkt-b"), 0);
    assert_int_equal(store_bucket_delete(s, "bkt-b"), LY_ENOPARENT);
    assert_int_equal(put(s, "missing", "k", "v", NULL, NULL), LY_ENOPARENT);
    ly_arena_cleanup(&a);
    store_close(s);
}

struct seen {
    int calls;
    int existed;
    int verdict;
};

static int check_fn(void *ctx, const struct store_obj *cur)
{
    struct seen *sn = ctx;
    sn->calls++;
    sn->existed = cur != NULL;
    if (cur) {
        assert_string_equal(cur->content_type, "text/plain");
        assert_string_equal(cur->meta[0].value, "alice");
    }
    return sn->verdict;
}

static void test_objects(void **state)
{
    (void)state;
    struct store *s = open_tmp(NULL);
    struct ly_arena a;
    struct ly_buf body;
    struct store_obj o;
    ly_arena_init(&a, 1 << 20);
    ly_buf_init(&body, 1 << 20);
    assert_int_equal(store_bucket_create(s, "b1", "us-east-1", 1), 0);
    struct seen sn = {0, 0, 0};
    assert_int_equal(put(s, "b1", "lock", "first", check_fn, &sn), 0);
    assert_int_equal(sn.calls, 1);
    assert_false(sn.existed);
    sn.verdict = LY_ECOND; /* a failing check writes nothing */
    assert_int_equal(put(s, "b1", "lock", "second", check_fn, &sn), LY_ECOND);
    assert_true(sn.existed);
    assert_int_equal(store_obj_get(s, "b1", "lock", &a, &o, &body), 0);
    assert_int_equal(body.len, 5);
    assert_memory_equal(body.data, "first", 5);
    assert_int_equal(o.size, 5);
    assert_string_equal(o.etag, "00112233445566778899aabbccddeeff");
    assert_int_equal(o.nmeta, 1);
    uint64_t seq1 = o.seq;
    sn.verdict = 0;
    assert_int_equal(put(s, "b1", "lock", "third!", check_fn, &sn), 0);
    assert_int_equal(store_obj_get(s, "b1", "lock", &a, &o, NULL), 0);
    assert_true(o.seq > seq1);
    assert_int_equal(o.size, 6);
    assert_int_equal(store_obj_get(s, "b1", "nope", &a, &o, NULL), LY_ENOENT);
    assert_int_equal(store_obj_get(s, "b2", "lock", &a, &o, NULL), LY_ENOPARENT);
    sn.verdict = LY_ECOND;
    assert_int_equal(store_obj_delete(s, "b1", "lock", check_fn, &sn), LY_ECOND);
    assert_int_equal(store_obj_delete(s, "b1", "lock", NULL, NULL), 0);
    assert_int_equal(store_obj_delete(s, "b1", "lock", NULL, NULL), 0);
    assert_int_equal(store_obj_get(s, "b1", "lock", &a, &o, NULL), LY_ENOENT);
    assert_int_equal(put(s, "b1", "empty", "", NULL, NULL), 0);
    ly_buf_reset(&body);
    assert_int_equal(store_obj_get(s, "b1", "empty", &a, &o, &body), 0);
    assert_int_equal(body.len, 0);
    ly_buf_cleanup(&body);
    ly_arena_cleanup(&a);
    store_close(s);
}

struct collect {
    char keys[16][32];
    int n;
    int stop_at;
};

static int collect_fn(void *ctx, const char *key, const struct store_obj *obj)
{
    struct collect *c = ctx;
    (void)obj;
    if (c->n == c->stop_at)
        return 1;
    snprintf(c->keys[c->n++], 32, "%s", key);
    return 0;
}

static void test_list(void **state)
{
    (void)state;
    struct store *s = open_tmp(NULL);
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    assert_int_equal(store_bucket_create(s, "b", "us-east-1", 1), 0);
    assert_int_equal(store_bucket_create(s, "b-other", "us-east-1", 1), 0);
    const char *keys[] = {"z", "a/1", "a/2", "b", "a/10", "\xc3\xa9"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(put(s, "b", keys[i], "x", NULL, NULL), 0);
    assert_int_equal(put(s, "b-other", "a/0", "x", NULL, NULL), 0);
    struct collect c = {.n = 0, .stop_at = 99};
    assert_int_equal(store_obj_list(s, "b", NULL, NULL, &a, collect_fn, &c), 0);
    assert_int_equal(c.n, 6);
    assert_string_equal(c.keys[0], "a/1");
    assert_string_equal(c.keys[1], "a/10");
    assert_string_equal(c.keys[2], "a/2");
    assert_string_equal(c.keys[5], "\xc3\xa9"); /* UTF-8 bytes sort after ASCII */
    struct collect p = {.n = 0, .stop_at = 99};
    assert_int_equal(store_obj_list(s, "b", NULL, "a/", &a, collect_fn, &p), 0);
    assert_int_equal(p.n, 3);
    struct collect f = {.n = 0, .stop_at = 2};
    assert_int_equal(store_obj_list(s, "b", "a/2", NULL, &a, collect_fn, &f), 0);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.keys[0], "a/2");
    assert_string_equal(f.keys[1], "b");
    assert_int_equal(store_obj_list(s, "nope", NULL, NULL, &a, collect_fn, &f), LY_ENOPARENT);
    assert_int_equal(store_reset(s), 0);
    struct store_bucket *list;
    size_t n;
    assert_int_equal(store_bucket_list(s, &a, &list, &n), 0);
    assert_int_equal(n, 0);
    ly_arena_cleanup(&a);
    store_close(s);
}

static void test_persistence(void **state)
{
    (void)state;
    char dir[] = "/tmp/lockyard-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct store *s = open_tmp(dir);
    assert_int_equal(store_bucket_create(s, "keep", "us-east-1", 1), 0);
    assert_int_equal(put(s, "keep", "k", "persisted", NULL, NULL), 0);
    store_close(s);
    s = open_tmp(dir);
    struct ly_arena a;
    struct ly_buf body;
    struct store_obj o;
    ly_arena_init(&a, 1 << 20);
    ly_buf_init(&body, 1 << 20);
    assert_int_equal(store_obj_get(s, "keep", "k", &a, &o, &body), 0);
    assert_memory_equal(body.data, "persisted", 9);
    ly_buf_cleanup(&body);
    ly_arena_cleanup(&a);
    store_close(s);
    char path[128];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_persistence),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
