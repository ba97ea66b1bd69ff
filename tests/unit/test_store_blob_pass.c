/* test_store_blob_pass.c - a pass over a stored body off the event loop (store_blob.h:
 * store_blob_pass, store_blob_pin): run on a thread of its own over files a reset dropped
 * while they were pinned, its MD5 and checksum equal a direct computation, its new blob and its
 * links hold the bytes, a cancelled pass leaves no file, and the files go once unpinned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockyard/checksum.h"
#include "lockyard/store.h"
#include "lockyard/store_blob.h"
#include "blob_files.h"
#include "store_dir.h"

#define PIECE (3u << 20) /* each of the three files: several 1 MiB reads */

struct fixture {
    char dir[256];
    struct store *s;
    unsigned char *bytes; /* the three files' bytes, in order */
    struct ly_buf list;   /* the body: the list of the three files */
};

/* Three objects of PIECE bytes each in blob files; the list of their files. */
static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct store_opts o = {f->dir, STORE_DURABILITY_NONE, 1u << 30};
    store_dir_make(f->dir, sizeof f->dir, "passtest");
    assert_int_equal(store_open(&o, &f->s), 0);
    assert_int_equal(store_bucket_create(f->s, "bkt", "us-east-1", 1), 0);
    f->bytes = malloc(3 * PIECE);
    for (size_t i = 0; i < 3 * PIECE; i++)
        f->bytes[i] = (unsigned char)(i * 2654435761u >> 13);
    ly_buf_init(&f->list, 4096);
    for (int i = 0; i < 3; i++) {
        char id[STORE_BLOB_ID_LEN + 1], key[16];
        struct store_obj ob;
        memset(&ob, 0, sizeof ob);
        assert_int_equal(store_blob_write(f->s, f->bytes + i * PIECE, PIECE, id), 0);
        ob.etag = "00112233445566778899aabbccddeeff";
        ob.size = PIECE;
        ob.blob = id;
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(store_obj_put(f->s, "bkt", key, &ob, NULL, NULL, NULL), 0);
        assert_int_equal(store_blob_list_add(&f->list, id, PIECE), 0);
    }
    assert_int_equal(ly_buf_add(&f->list, "", 1), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    store_dir_remove(f->dir);
    ly_buf_cleanup(&f->list);
    free(f->bytes);
    free(f);
    return 0;
}

static void *run_pass(void *p)
{
    (void)store_blob_pass_run(p);
    return NULL;
}

/* Runs p on a thread of its own, as net's worker does. */
static int pass_on_thread(struct store_blob_pass *p)
{
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_pass, p), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    return p->rc;
}

static void init_pass(struct fixture *f, struct store_blob_pass *p, uint64_t off, uint64_t len)
{
    memset(p, 0, sizeof *p);
    p->s = f->s;
    p->body.blob = f->list.data;
    p->body.size = 3 * PIECE;
    p->off = off;
    p->len = len;
    p->alg = -1;
}

static void assert_blob_holds(struct fixture *f, const char *id, const void *want, size_t n)
{
    struct ly_buf got;
    ly_buf_init(&got, n + 1);
    assert_int_equal(store_blob_read(f->s, id, 0, n, &got), 0);
    assert_int_equal(got.len, n);
    assert_memory_equal(got.data, want, n);
    ly_buf_cleanup(&got);
}

/* A window across the three files, written to a new blob, with MD5 and SHA-256, after a reset
 * dropped the files (pinned before it). */
static void test_a_pass_reads_pinned_files_a_reset_dropped(void **state)
{
    struct fixture *f = *state;
    struct store_blob_pass p;
    uint8_t want[CKSUM_DIGEST_MAX];
    char want_b64[CKSUM_B64_MAX];
    size_t n;
    uint64_t off = PIECE - 12345, len = PIECE + 2 * 12345;
    uint64_t pin = store_blob_pin(f->s);
    assert_int_equal(store_reset(f->s), 0);
    blob_files_are(f->dir, 3); /* pinned: a pass may still read them */
    init_pass(f, &p, off, len);
    p.alg = CKSUM_SHA256;
    p.write = 1;
    assert_int_equal(pass_on_thread(&p), 0);
    assert_int_equal(cksum_md5(f->bytes + off, len, want), 0);
    assert_memory_equal(p.md5, want, 16);
    assert_int_equal(cksum_compute(CKSUM_SHA256, f->bytes + off, len, want, &n), 0);
    assert_int_equal(cksum_b64_encode(want, n, want_b64, sizeof want_b64), 0);
    assert_string_equal(p.cksum_b64, want_b64);
    assert_blob_holds(f, p.id, f->bytes + off, len);
    blob_files_are(f->dir, 4);
    store_blob_pass_discard(&p); /* not stored: the new file goes */
    blob_files_are(f->dir, 3);
    store_blob_unpin(f->s, pin);
    blob_files_are(f->dir, 0);
}

/* The whole body linked: a list of new files of the same sizes, holding the same bytes. */
static void test_a_pass_links_the_whole_body(void **state)
{
    struct fixture *f = *state;
    struct store_blob_pass p;
    uint8_t want[16];
    init_pass(f, &p, 0, 3 * PIECE);
    p.link = 1;
    assert_int_equal(pass_on_thread(&p), 0);
    assert_int_equal(cksum_md5(f->bytes, 3 * PIECE, want), 0);
    assert_memory_equal(p.md5, want, 16);
    assert_int_equal(p.links.len, 3 * STORE_BLOB_ENTRY_LEN + 1);
    assert_memory_equal(p.links.data + STORE_BLOB_ID_LEN, f->list.data + STORE_BLOB_ID_LEN, 16);
    for (int i = 0; i < 3; i++) {
        char id[STORE_BLOB_ID_LEN + 1];
        memcpy(id, p.links.data + i * STORE_BLOB_ENTRY_LEN, STORE_BLOB_ID_LEN);
        id[STORE_BLOB_ID_LEN] = '\0';
        assert_memory_not_equal(id, f->list.data + i * STORE_BLOB_ENTRY_LEN, STORE_BLOB_ID_LEN);
        assert_blob_holds(f, id, f->bytes + i * PIECE, PIECE);
    }
    blob_files_are(f->dir, 6);
    store_blob_pass_discard(&p);
    blob_files_are(f->dir, 3);
}

/* Cancelled (the client went): the pass stops and removes what it made. */
static void test_a_cancelled_pass_leaves_no_file(void **state)
{
    struct fixture *f = *state;
    struct store_blob_pass p;
    atomic_int cancel;
    atomic_init(&cancel, 1);
    init_pass(f, &p, 0, 3 * PIECE);
    p.write = 1;
    p.link = 1;
    p.cancel = &cancel;
    assert_int_equal(pass_on_thread(&p), LY_ECONFLICT);
    assert_string_equal(p.id, "");
    blob_files_are(f->dir, 3);
    store_blob_pass_discard(&p); /* what resume does with any failed pass: nothing left */
    blob_files_are(f->dir, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_pass_reads_pinned_files_a_reset_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_pass_links_the_whole_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_cancelled_pass_leaves_no_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
