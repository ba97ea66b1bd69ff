/* test_buf.c - bounded buffer and arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/arena.h"
#include "lockyard/buf.h"

static void test_buf_cap(void **state)
{
    (void)state;
    struct ly_buf b;
    ly_buf_init(&b, 10);
    assert_int_equal(ly_buf_adds(&b, "hello"), 0);
    assert_int_equal(ly_buf_addf(&b, "%d", 1234), 0);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(ly_buf_adds(&b, "xy"), LY_ETOOBIG);
    assert_string_equal(b.data, "hello1234"); /* unchanged on failure */
    assert_int_equal(ly_buf_adds(&b, "x"), 0);
    assert_int_equal(b.len, 10);
    ly_buf_cleanup(&b);
}

static void test_buf_xml(void **state)
{
    (void)state;
    struct ly_buf b;
    ly_buf_init(&b, 1000);
    const char *s = "a<b>&\"c'";
    assert_int_equal(ly_buf_add_xml(&b, s, strlen(s)), 0);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&apos;");
    size_t n;
    char *p = ly_buf_take(&b, &n);
    assert_int_equal(n, strlen("a&lt;b&gt;&amp;&quot;c&apos;"));
    free(p);
    assert_null(b.data);
}

static void test_arena(void **state)
{
    (void)state;
    struct ly_arena a;
    ly_arena_init(&a, 100000);
    char *s = ly_arena_strdup(&a, "abc");
    assert_string_equal(s, "abc");
    void *big = ly_arena_alloc(&a, 50000);
    assert_non_null(big);
    assert_null(ly_arena_alloc(&a, 60000)); /* over the cap */
    char *f = ly_arena_printf(&a, "%s-%d", s, 7);
    assert_string_equal(f, "abc-7");
    assert_int_equal((uintptr_t)ly_arena_alloc(&a, 3) % 16, 0);
    ly_arena_cleanup(&a);
}

/* ly_arena_reset: the cap counts from zero again, one standard block stays and is reused
 * from its start, the large one-off blocks are freed (ASan reports a leak if not). */
static void test_arena_reset(void **state)
{
    (void)state;
    struct ly_arena a;
    ly_arena_init(&a, 100000);
    char *first = ly_arena_alloc(&a, 100);
    assert_non_null(first);
    assert_non_null(ly_arena_alloc(&a, 50000)); /* a one-off block behind the first */
    assert_non_null(ly_arena_alloc(&a, 9000));
    ly_arena_reset(&a);
    assert_int_equal(a.used_bytes, 0);
    assert_ptr_equal(ly_arena_alloc(&a, 10), first); /* the kept block, from its start */
    assert_non_null(ly_arena_alloc(&a, 90000));      /* the cap counts from zero again */
    ly_arena_reset(&a);
    ly_arena_reset(&a); /* twice: still one block, empty */
    assert_ptr_equal(ly_arena_alloc(&a, 16), first);
    ly_arena_cleanup(&a);
    ly_arena_reset(&a); /* an empty arena: nothing kept */
    assert_null(a.head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_xml),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_arena_reset),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
