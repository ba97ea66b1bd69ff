/* test_store_txn.c - the batch of group durability: writes share one LMDB transaction, reads
 * see every write applied before them, an aborted write leaves the batch's others, and a
 * batch whose commit fails is reported lost (store_lost_id) and leaves nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lockyard/store.h"
#include "store_dir.h"

struct fixture {
    char dir[256];
    struct store *s;
};

static int setup_group(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    store_dir_make(f->dir, sizeof f->dir, "txntest");
    struct store_opts o = {f->dir, STORE_DURABILITY_GROUP, 1u << 30};
    assert_int_equal(store_open(&o, &f->s), 0);
    assert_int_equal(store_bucket_create(f->s, "bkt", "us-east-1", 1), 0);
    assert_int_equal(store_flush(f->s), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    store_dir_remove(f->dir);
    free(f);
    return 0;
}

static int absent_only(void *ctx, const struct store_obj *cur)
{
    (void)ctx;
    return cur ? LY_ECOND : 0;
}

static int put(struct store *s, const char *key, const char *body, store_check_fn fn)
{
    struct store_obj o;
    memset(&o, 0, sizeof o);
    o.etag = "00112233445566778899aabbccddeeff";
    o.size = strlen(body);
    return store_obj_put(s, "bkt", key, &o, body, fn, NULL);
}

static int exists(struct store *s, const char *key)
{
    struct ly_arena a;
    struct store_obj o;
    ly_arena_init(&a, 1 << 16);
    int rc = store_obj_get(s, "bkt", key, &a, &o, NULL);
    ly_arena_cleanup(&a);
    return rc == 0;
}

static void test_writes_share_a_batch_and_reads_see_them(void **state)
{
    struct fixture *f = *state;
    uint64_t before = store_commit_id(f->s);
    assert_int_equal(put(f->s, "a", "one", absent_only), 0);
    uint64_t batch = store_commit_id(f->s);
    assert_true(batch > before);
    assert_int_equal(put(f->s, "b", "two", absent_only), 0);
    assert_int_equal(store_commit_id(f->s), batch);                   /* the same batch */
    assert_int_equal(put(f->s, "a", "again", absent_only), LY_ECOND); /* sees "a" */
    assert_int_equal(store_commit_id(f->s), batch);
    assert_true(exists(f->s, "a") && exists(f->s, "b")); /* the read committed the batch */
    assert_int_equal(store_commit_id(f->s), batch);
    assert_int_equal(put(f->s, "c", "three", NULL), 0);
    assert_int_equal(store_commit_id(f->s), batch + 1); /* a new batch */
    assert_int_equal(store_lost_id(f->s), 0);
}

static void test_a_batch_survives_a_reopen_once_flushed(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(put(f->s, "kept", "x", NULL), 0);
    assert_int_equal(put(f->s, "kept", "y", absent_only), LY_ECOND); /* aborted alone */
    assert_int_equal(store_flush(f->s), 0);
    assert_int_equal(store_sync(f->s), 0);
    store_close(f->s);
    struct store_opts o = {f->dir, STORE_DURABILITY_GROUP, 1u << 30};
    assert_int_equal(store_open(&o, &f->s), 0);
    assert_true(exists(f->s, "kept"));
}

/* A burst of writes with no read or sync between them is committed every 1024 writes. */
static void test_a_batch_is_committed_after_1024_writes(void **state)
{
    struct fixture *f = *state;
    char key[32];
    assert_int_equal(put(f->s, "w0", "x", NULL), 0);
    uint64_t batch = store_commit_id(f->s);
    for (int i = 1; i < 1024; i++) {
        snprintf(key, sizeof key, "w%d", i);
        assert_int_equal(put(f->s, key, "x", NULL), 0);
    }
    assert_int_equal(store_commit_id(f->s), batch);
    assert_int_equal(put(f->s, "w1024", "x", NULL), 0);
    assert_int_equal(store_commit_id(f->s), batch + 1);
    assert_true(exists(f->s, "w0") && exists(f->s, "w1024"));
}

/* The data file may not grow: the batch's commit fails (EFBIG) after its writes succeeded. */
static void test_a_batch_whose_commit_fails_is_lost(void **state)
{
    struct fixture *f = *state;
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", f->dir);
    assert_int_equal(stat(path, &st), 0);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)st.st_size;
    signal(SIGXFSZ, SIG_IGN);
    static char big[200000];
    memset(big, 'z', sizeof big - 1);
    assert_int_equal(put(f->s, "lost", big, NULL), 0); /* in the batch: nothing written yet */
    uint64_t batch = store_commit_id(f->s);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = store_flush(f->s);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_not_equal(rc, 0);
    assert_int_equal(store_lost_id(f->s), batch);
    assert_false(exists(f->s, "lost"));
    assert_int_equal(put(f->s, "after", "ok", NULL), 0); /* the next batch works */
    assert_true(store_commit_id(f->s) > batch);
    assert_int_equal(store_flush(f->s), 0);
    assert_true(exists(f->s, "after"));
    assert_int_equal(store_lost_id(f->s), batch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_share_a_batch_and_reads_see_them, setup_group,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_batch_survives_a_reopen_once_flushed, setup_group,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_batch_is_committed_after_1024_writes, setup_group,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_batch_whose_commit_fails_is_lost, setup_group,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
