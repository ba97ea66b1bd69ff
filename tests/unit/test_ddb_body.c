/* test_ddb_body.c - ddb_body_parse: a request body's JSON tree in the request arena, which
 * json_decref leaves to the arena, with jansson's allocator put back after every parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/ddb.h"

static size_t counted_mallocs;

static void *counting_malloc(size_t n)
{
    counted_mallocs++;
    return malloc(n);
}

/* The tree lives in the arena: no malloc of jansson's during the parse, the allocator is the
 * one from before afterwards, and json_decref (as many times as the caller holds it) frees
 * nothing (ASan would report a free() of arena memory) - the arena's cleanup does. */
static void test_tree_in_arena(void **state)
{
    (void)state;
    static const char body[] = "{\"TableName\":\"t\",\"Item\":{\"k\":{\"S\":\"a\\u0000b\"},"
                               "\"l\":{\"L\":[{\"N\":\"1\"},{\"BOOL\":true}]}}}";
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    json_set_alloc_funcs(counting_malloc, free);
    counted_mallocs = 0;
    json_t *doc = ddb_body_parse(&a, body, sizeof body - 1);
    assert_non_null(doc);
    assert_int_equal(counted_mallocs, 0);
    assert_true(a.used_bytes > 0);
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, counting_malloc);
    assert_ptr_equal(f, free);
    json_t *s = json_object_get(json_object_get(json_object_get(doc, "Item"), "k"), "S");
    assert_int_equal(json_string_length(s), 3); /* JSON_ALLOW_NUL */
    assert_memory_equal(json_string_value(s), "a\0b", 3);
    json_t *copy = json_deep_copy(doc); /* the caller's allocator again */
    assert_true(counted_mallocs > 0);
    assert_true(json_equal(copy, doc));
    json_decref(copy);
    json_incref(doc); /* the handler's reference */
    json_decref(doc);
    json_decref(doc); /* the caller's */
    ly_arena_cleanup(&a);
    json_set_alloc_funcs(malloc, free);
}

/* Not JSON: NULL, as json_loadb says, and the allocator is put back. A body the arena cannot
 * hold is parsed with malloc all the same (and freed by json_decref: the leak check). */
static void test_not_json_and_arena_full(void **state)
{
    (void)state;
    struct ly_arena a;
    ly_arena_init(&a, 256);
    assert_null(ddb_body_parse(&a, "{\"a\":", 5));
    assert_null(ddb_body_parse(&a, "", 0));
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, malloc);
    assert_ptr_equal(f, free);
    char big[4096];
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"S\":\"", 6);
    memcpy(big + sizeof big - 2, "\"}", 2);
    json_t *doc = ddb_body_parse(&a, big, sizeof big);
    assert_non_null(doc);
    assert_int_equal(json_string_length(json_object_get(doc, "S")), sizeof big - 8);
    json_decref(doc);
    ly_arena_cleanup(&a);
}

/* A body over 64 KiB is parsed with malloc, as before (a large batch's tree could take much of
 * the arena, which its handler needs): the arena is untouched, json_decref frees the tree. */
static void test_large_body_malloc(void **state)
{
    (void)state;
    size_t n = (64u << 10) + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    memcpy(big, "{\"S\":\"", 6);
    memcpy(big + n - 2, "\"}", 2);
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    json_set_alloc_funcs(counting_malloc, free);
    counted_mallocs = 0;
    json_t *doc = ddb_body_parse(&a, big, n);
    assert_non_null(doc);
    assert_true(counted_mallocs > 0);
    assert_int_equal(a.used_bytes, 0);
    assert_int_equal(json_string_length(json_object_get(doc, "S")), n - 8);
    json_decref(doc);
    json_set_alloc_funcs(malloc, free);
    ly_arena_cleanup(&a);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_in_arena),
        cmocka_unit_test(test_not_json_and_arena_full),
        cmocka_unit_test(test_large_body_malloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
