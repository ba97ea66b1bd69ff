/* test_ddb_body.c - ddb_body_parse: a request body's JSON tree in the request arena, which
 * json_decref leaves to the arena, with jansson's allocator put back after every parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
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
    assert_null(ddb_body_parse(&a, NULL, 0)); /* no body at all */
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

/* Both NULL, or the same tree. */
static void same_or_null(const char *body, size_t len)
{
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    json_t *want = json_loadb(body, len, JSON_ALLOW_NUL, NULL);
    json_t *got = ddb_body_parse(&a, body, len);
    if (!want != !got || (want && !json_equal(want, got)))
        fail_msg("ddb_body_parse and json_loadb differ on %.*s", (int)len, body);
    json_decref(got);
    json_decref(want);
    ly_arena_cleanup(&a);
}

/* The tree of ddb_body_parse is the one json_loadb makes of the same text, made in the arena
 * at the first try, and the allocator is put back. */
static void same_as_jansson(const char *body, size_t len)
{
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    json_t *want = json_loadb(body, len, JSON_ALLOW_NUL, NULL);
    json_set_alloc_funcs(counting_malloc, free);
    counted_mallocs = 0;
    json_t *got = ddb_body_parse(&a, body, len);
    if (!want || !got || !json_equal(want, got))
        fail_msg("ddb_body_parse and json_loadb differ on %.*s", (int)len, body);
    if (counted_mallocs) /* the placeholders were set in the arena: no second parse */
        fail_msg("ddb_body_parse parsed %.*s again with malloc", (int)len, body);
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, counting_malloc);
    json_set_alloc_funcs(malloc, free);
    json_decref(got);
    json_decref(want);
    ly_arena_cleanup(&a);
}

static void both_null(const char *body)
{
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    assert_null(json_loadb(body, strlen(body), JSON_ALLOW_NUL, NULL));
    assert_null(ddb_body_parse(&a, body, strlen(body)));
    ly_arena_cleanup(&a);
}

#define LONG "0123456789abcdefghijklmnopqrstuvwxyz ~!@#$%^&*()_+-={}[]|:;'<>,.?/"

/* Long plain string values are handed to jansson as placeholders and set back: the values come
 * out whole, in arrays and nested maps, next to strings with escapes, non-ASCII bytes and long
 * keys (which are never replaced), and past 100 of them. */
static void test_long_strings_as_jansson(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "{\"TableName\":\"bench\",\"Item\":{\"LockID\":{\"S\":\"lock-1\"},\"Info\":{\"S\":\"" LONG
        "\"}},\"ConditionExpression\":\"attribute_not_exists(LockID)\"}",
        "{ \"a\" : [ \"" LONG "\" , \"" LONG LONG "\",\"x\", {\"" LONG "\" : \"" LONG "\"}],"
        "\"b\":\"" LONG "\\n" LONG "\", \"c\":\"" LONG "\xc3\xa9" LONG "\"}",
        "{\"" LONG "\"\n\t\r :\"" LONG "\", \"k\":\"0123456789abcdef\", \"l\":\"0123456789abcde\"}",
        "[\"" LONG "\", 1, -2.5e3, true, false, null, \"" LONG "\\\"\", \"\\\\" LONG "\"]",
        "{\"dup\":\"" LONG "1\",\"dup\":\"" LONG "2\"}",
        "{\"a\":\"\\u0000" LONG "\",\"b\":\"" LONG "\"}", /* a \u0000 of its own: as it is */
        "{\"a\":\"\\\\u0000" LONG "\",\"b\":\"" LONG "\"}",
        "{\"a\":\"" LONG "\",\"b\":\"\\u000000\"}",
        "{\"b\":\"\\u000000\",\"a\":\"" LONG "\"}",
        "{\"a\":\"\\\"\",\"n\":[10000, 20000, 30000, 40000, 50000],\"s\":\"" LONG "\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        same_as_jansson(bodies[i], strlen(bodies[i]));
    char many[16384];
    size_t n = 0;
    many[n++] = '[';
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "%s\"%03d%s\"", i ? "," : "", i, LONG);
    many[n++] = ']';
    same_as_jansson(many, n);
}

/* What jansson rejects is rejected still, whether the fault is before, inside or after a long
 * string, or a long string stands where a key or a value cannot. */
static void test_long_strings_rejected_as_jansson(void **state)
{
    (void)state;
    both_null("{\"a\":\"" LONG "\"");
    both_null("{\"a\":\"" LONG);
    both_null("{\"a\":\"" LONG "\" \"" LONG "\"}");
    both_null("{\"" LONG "\"}");
    both_null("[\"" LONG "\":1]");
    both_null("{\"a\":\"" LONG "\\u\"}, \"b\":\"" LONG "\"}");
    both_null("{\"a\":\"" LONG "\\q" LONG "\"}");
    both_null("{\"a\":\"" LONG "\t" LONG "\"}");
    both_null("{\"a\":\"" LONG "\xff" LONG "\"}");
    both_null("{\"a\":tru\"" LONG "\"}");
    both_null("{\"a\":\"" LONG "\"} x");
    both_null("{\"a\":\"" LONG "\"}\"" LONG "\"");
    both_null("\\\"" LONG "\"");
    both_null("\"" LONG "\""); /* not an object or array */
    both_null("{\"a\\u0000b\":\"" LONG "\"}");
}

/* Every byte string built from JSON's special bytes around long strings: ddb_body_parse agrees
 * with json_loadb on each (the placeholders must change neither verdict nor tree). */
static void test_mutations_as_jansson(void **state)
{
    (void)state;
    static const char alphabet[] = "\"\\:,{}[] u0\xc3\xa9\tn1";
    const char base[] = "{\"k\":[\"" LONG "\",{\"m\":\"" LONG "\"}]}";
    char buf[sizeof base + 8];
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, base, sizeof base);
        size_t len = sizeof base - 1;
        for (int k = 0; k < 1 + round % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            buf[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        same_or_null(buf, len);
    }
}

/* A body over 64 KiB gets the placeholders too, in malloc'd memory: the tree is json_loadb's,
 * the arena untouched, json_decref frees it all (the leak check). */
static void test_large_body_long_strings(void **state)
{
    (void)state;
    size_t cap = 200u << 10, n = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    n += (size_t)snprintf(big + n, cap - n, "{\"RequestItems\":{\"t\":[");
    for (int i = 0; n < (100u << 10); i++)
        n += (size_t)snprintf(big + n, cap - n,
                              "%s{\"PutRequest\":{\"Item\":{\"k\":{\"S\":\"key-%d-%s\"},"
                              "\"v\":{\"S\":\"%s%s\\n%s\"}}}}",
                              i ? "," : "", i, LONG, LONG, i % 2 ? "\xc3\xa9" : "", LONG);
    n += (size_t)snprintf(big + n, cap - n, "]}}");
    assert_true(n > (64u << 10) && n < cap);
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    json_t *want = json_loadb(big, n, JSON_ALLOW_NUL, NULL);
    json_t *got = ddb_body_parse(&a, big, n);
    assert_non_null(want);
    assert_non_null(got);
    assert_true(json_equal(want, got));
    assert_int_equal(a.used_bytes, 0);
    json_decref(got);
    json_decref(want);
    big[n - 1] = ','; /* not JSON any more */
    assert_null(ddb_body_parse(&a, big, n));
    ly_arena_cleanup(&a);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_in_arena),
        cmocka_unit_test(test_not_json_and_arena_full),
        cmocka_unit_test(test_large_body_malloc),
        cmocka_unit_test(test_long_strings_as_jansson),
        cmocka_unit_test(test_long_strings_rejected_as_jansson),
        cmocka_unit_test(test_mutations_as_jansson),
        cmocka_unit_test(test_large_body_long_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
