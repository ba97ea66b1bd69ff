/* test_store_blob.c - blob files of large bodies (store_blob.h): a record refers to its file,
 * a dropped blob is unlinked only once the commit that dropped it is durable (at once without
 * durability, after store_sync in group mode), versions keep their files, and files no record
 * refers to are removed at open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockyard/store.h"
#include "lockyard/store_blob.h"
#include "blob_files.h"
#include "store_dir.h"
#include "lockyard/store_version.h"

struct fixture {
    char dir[256];
    struct store *s;
};

static struct store *open_dir(const char *dir, enum store_durability d)
{
    struct store_opts o = {dir, d, 1u << 30};
    struct store *s = NULL;
    assert_int_equal(store_open(&o, &s), 0);
    return s;
}

static int setup(void **state, enum store_durability d)
{
    struct fixture *f = calloc(1, sizeof *f);
    store_dir_make(f->dir, sizeof f->dir, "blobtest");
    f->s = open_dir(f->dir, d);
    assert_int_equal(store_bucket_create(f->s, "bkt", "us-east-1", 1), 0);
    *state = f;
    return 0;
}

static int setup_none(void **state)
{
    return setup(state, STORE_DURABILITY_NONE);
}

static int setup_group(void **state)
{
    return setup(state, STORE_DURABILITY_GROUP);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    store_dir_remove(f->dir);
    free(f);
    return 0;
}

/* Stores body as key through a new blob file (as net and PutObject do). */
static void put_blob(struct fixture *f, const char *key, const char *body, char *id)
{
    int fd;
    struct store_obj o;
    assert_int_equal(store_blob_create(f->s, id, &fd), 0);
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
    memset(&o, 0, sizeof o);
    o.etag = "00112233445566778899aabbccddeeff";
    o.size = strlen(body);
    o.blob = id;
    assert_int_equal(store_obj_put(f->s, "bkt", key, &o, NULL, NULL, NULL), 0);
    assert_true(o.flags & STORE_OBJ_BLOB);
}

static void get_body(struct fixture *f, const char *key, const uint64_t *version, const char *want)
{
    struct ly_arena a;
    struct ly_buf b, bytes;
    struct store_obj o;
    ly_arena_init(&a, 1 << 16);
    ly_buf_init(&b, 1 << 20);
    ly_buf_init(&bytes, 1 << 20);
    int rc = version ? store_obj_get_version(f->s, "bkt", key, *version, &a, &o, &b)
                     : store_obj_get(f->s, "bkt", key, &a, &o, &b);
    assert_int_equal(rc, 0);
    assert_non_null(o.blob);
    assert_int_equal(b.len, 0); /* the bytes stay in the file */
    assert_int_equal(store_blob_read(f->s, o.blob, 0, (size_t)o.size, &bytes), 0);
    assert_int_equal(bytes.len, strlen(want));
    assert_memory_equal(bytes.data, want, bytes.len);
    ly_buf_cleanup(&bytes);
    ly_buf_cleanup(&b);
    ly_arena_cleanup(&a);
}

static void test_overwrite_and_delete_unlink_at_once_without_durability(void **state)
{
    struct fixture *f = *state;
    char id1[STORE_BLOB_ID_LEN + 1], id2[STORE_BLOB_ID_LEN + 1];
    put_blob(f, "k", "first body", id1);
    get_body(f, "k", NULL, "first body");
    put_blob(f, "k", "second body", id2);
    blob_files_are(f->dir, 1);
    get_body(f, "k", NULL, "second body");
    assert_int_equal(store_obj_delete(f->s, "bkt", "k", NULL, NULL), 0);
    blob_files_are(f->dir, 0);
}

static void test_group_unlinks_after_the_sync(void **state)
{
    struct fixture *f = *state;
    char id1[STORE_BLOB_ID_LEN + 1], id2[STORE_BLOB_ID_LEN + 1];
    put_blob(f, "k", "first body", id1);
    put_blob(f, "k", "second body", id2);
    blob_files_are(f->dir, 2); /* the overwrite is not durable yet: the old file stays */
    assert_int_equal(store_flush(f->s), 0); /* the batch commits (the loop's next sync does it) */
    blob_files_are(f->dir, 2);
    assert_int_equal(store_sync(f->s), 0);
    assert_int_equal(store_bucket_create(f->s, "next", "us-east-1", 1), 0);
    blob_files_are(f->dir, 2); /* a commit that is not a blob write: no change */
    struct store_obj o;
    memset(&o, 0, sizeof o);
    o.etag = "00112233445566778899aabbccddeeff";
    o.size = 5;
    assert_int_equal(store_obj_put(f->s, "bkt", "small", &o, "small", NULL, NULL), 0);
    assert_int_equal(store_flush(f->s), 0);
    blob_files_are(f->dir, 1); /* the next batch's commit unlinks what the sync made durable */
    get_body(f, "k", NULL, "second body");
}

static void test_versions_keep_their_files(void **state)
{
    struct fixture *f = *state;
    char id1[STORE_BLOB_ID_LEN + 1], id2[STORE_BLOB_ID_LEN + 1];
    struct store_del_result r;
    struct ly_arena a;
    struct store_obj o;
    ly_arena_init(&a, 1 << 16);
    assert_int_equal(store_bucket_conf_put(f->s, "bkt", STORE_CONF_VERSIONING, "Enabled", 7), 0);
    put_blob(f, "k", "version one", id1);
    assert_int_equal(store_obj_get(f->s, "bkt", "k", &a, &o, NULL), 0);
    uint64_t v1 = o.seq;
    put_blob(f, "k", "version two", id2);
    blob_files_are(f->dir, 2);
    get_body(f, "k", &v1, "version one");
    assert_int_equal(store_obj_delete_version(f->s, "bkt", "k", NULL, NULL, 0, &r), 0);
    assert_true(r.marker_created);
    blob_files_are(f->dir, 2); /* behind a delete marker */
    assert_int_equal(store_obj_delete_version(f->s, "bkt", "k", &v1, NULL, 0, &r), 0);
    blob_files_are(f->dir, 1);
    assert_int_equal(store_reset(f->s), 0);
    blob_files_are(f->dir, 0);
    ly_arena_cleanup(&a);
}

static void test_orphans_are_removed_at_open(void **state)
{
    struct fixture *f = *state;
    char id[STORE_BLOB_ID_LEN + 1], orphan[STORE_BLOB_ID_LEN + 1];
    int fd;
    put_blob(f, "k", "kept body", id);
    assert_int_equal(store_blob_create(f->s, orphan, &fd), 0); /* spooled, never committed */
    close(fd);
    blob_files_are(f->dir, 2);
    store_close(f->s);
    f->s = open_dir(f->dir, STORE_DURABILITY_NONE);
    blob_files_are(f->dir, 1);
    get_body(f, "k", NULL, "kept body");
}

static void test_a_snapshot_keeps_the_files_it_can_read(void **state)
{
    struct fixture *f = *state;
    char id1[STORE_BLOB_ID_LEN + 1], id2[STORE_BLOB_ID_LEN + 1];
    struct store_snapshot *snap = NULL;
    put_blob(f, "k", "seen by the snapshot", id1);
    assert_int_equal(store_snapshot_take(f->s, &snap), 0);
    put_blob(f, "k", "current body", id2);
    assert_int_equal(store_obj_delete(f->s, "bkt", "gone", NULL, NULL), 0);
    blob_files_are(f->dir, 2); /* a stale read may still open the old file */
    store_read_at(f->s, snap);
    get_body(f, "k", NULL, "seen by the snapshot");
    store_read_at(f->s, NULL);
    get_body(f, "k", NULL, "current body");
    store_snapshot_free(f->s, snap);
    blob_files_are(f->dir, 1);
    assert_int_equal(store_snapshot_take(f->s, &snap), 0); /* older than the delete below */
    assert_int_equal(store_obj_delete(f->s, "bkt", "k", NULL, NULL), 0);
    blob_files_are(f->dir, 1);
    store_snapshot_free(f->s, snap);
    blob_files_are(f->dir, 0);
}

static void test_a_link_is_a_blob_of_its_own(void **state)
{
    struct fixture *f = *state;
    char id[STORE_BLOB_ID_LEN + 1], copy[STORE_BLOB_ID_LEN + 1];
    struct store_obj o;
    put_blob(f, "src", "shared bytes", id);
    assert_int_equal(store_blob_link(f->s, id, copy), 0);
    assert_string_not_equal(id, copy);
    memset(&o, 0, sizeof o);
    o.etag = "00112233445566778899aabbccddeeff";
    o.size = strlen("shared bytes");
    o.blob = copy;
    assert_int_equal(store_obj_put(f->s, "bkt", "dst", &o, NULL, NULL, NULL), 0);
    assert_int_equal(store_obj_delete(f->s, "bkt", "src", NULL, NULL), 0);
    blob_files_are(f->dir, 1);
    get_body(f, "dst", NULL, "shared bytes");
    assert_int_equal(store_bucket_delete(f->s, "bkt"), LY_ENOTEMPTY);
}

struct spans {
    char got[512];
};

static int note_span(void *ctx, const struct store_blob_span *sp)
{
    struct spans *x = ctx;
    size_t n = strlen(x->got);
    snprintf(x->got + n, sizeof x->got - n, "%c%llu+%llu ", sp->id[0], (unsigned long long)sp->off,
             (unsigned long long)sp->len);
    return 0;
}

static const char *spans_of(const struct store_obj *o, uint64_t off, uint64_t len, int *rc)
{
    static struct spans x;
    x.got[0] = '\0';
    *rc = store_blob_spans(o, off, len, note_span, &x);
    return x.got;
}

/* A body listed as blobs (a completed multipart upload): the pieces of the files a window of
 * the body covers, across boundaries; a list that does not add up, or a window past the body,
 * is refused. */
static void test_a_list_of_blobs_is_read_in_windows(void **state)
{
    (void)state;
    struct ly_buf list;
    struct store_obj o;
    int rc;
    ly_buf_init(&list, 4096);
    assert_int_equal(store_blob_list_add(&list, "a0000000000000000000000000000000", 5), 0);
    assert_int_equal(store_blob_list_add(&list, "b0000000000000000000000000000000", 3), 0);
    assert_int_equal(store_blob_list_add(&list, "c0000000000000000000000000000000", 7), 0);
    assert_int_equal(ly_buf_add(&list, "", 1), 0);
    assert_int_equal(list.len, 3 * STORE_BLOB_ENTRY_LEN + 1);
    memset(&o, 0, sizeof o);
    o.blob = list.data;
    o.size = 15;
    assert_string_equal(spans_of(&o, 0, 15, &rc), "a0+5 b0+3 c0+7 ");
    assert_string_equal(spans_of(&o, 4, 2, &rc), "a4+1 b0+1 ");
    assert_string_equal(spans_of(&o, 5, 3, &rc), "b0+3 ");
    assert_string_equal(spans_of(&o, 7, 8, &rc), "b2+1 c0+7 ");
    assert_string_equal(spans_of(&o, 15, 0, &rc), "");
    assert_int_equal(rc, 0);
    (void)spans_of(&o, 10, 6, &rc);
    assert_int_equal(rc, LY_EIO); /* past the body */
    o.size = 16;
    (void)spans_of(&o, 0, 1, &rc);
    assert_int_equal(rc, LY_EIO); /* sizes that do not add up */
    o.blob = "d0000000000000000000000000000000";
    o.size = 9;
    assert_string_equal(spans_of(&o, 2, 7, &rc), "d2+7 "); /* one id: the whole body */
    ly_buf_cleanup(&list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overwrite_and_delete_unlink_at_once_without_durability,
                                        setup_none, teardown),
        cmocka_unit_test_setup_teardown(test_group_unlinks_after_the_sync, setup_group, teardown),
        cmocka_unit_test_setup_teardown(test_versions_keep_their_files, setup_none, teardown),
        cmocka_unit_test_setup_teardown(test_orphans_are_removed_at_open, setup_none, teardown),
        cmocka_unit_test_setup_teardown(test_a_snapshot_keeps_the_files_it_can_read, setup_none,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_link_is_a_blob_of_its_own, setup_none, teardown),
        cmocka_unit_test(test_a_list_of_blobs_is_read_in_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
