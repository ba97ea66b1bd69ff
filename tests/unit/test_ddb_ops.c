/* test_ddb_ops.c - the DynamoDB operation table (mock/ddb/ddb.c): in strcmp order of the names,
 * which its binary search needs, and every operation found by ddb_op; any other name is Unknown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lockyard/ddb.h"

struct seen {
    const struct ly_op *ops[64];
    size_t n;
};

static void collect(void *arg, const struct ly_op *op, int has_handler)
{
    struct seen *s = arg;
    assert_true(has_handler);
    assert_true(s->n < 64);
    s->ops[s->n++] = op;
}

static void test_order_and_lookup(void **state)
{
    (void)state;
    struct seen s = {{NULL}, 0};
    ddb_each_op(collect, &s);
    assert_true(s.n >= 17);
    for (size_t i = 0; i < s.n; i++) {
        if (i)
            assert_true(strcmp(s.ops[i - 1]->name, s.ops[i]->name) < 0);
        assert_ptr_equal(ddb_op(s.ops[i]->name), s.ops[i]);
    }
    static const char *const others[] = {"",         "A",        "Zzz",     "putItem",
                                         "PutItem ", "GetItems", "Unknown", "BatchGetIte"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        assert_string_equal(ddb_op(others[i])->name, "Unknown");
    assert_string_equal(ddb_op(NULL)->name, "Unknown");
    assert_int_equal(ddb_op("PutItem")->flags, LY_OP_WRITE | LY_OP_CONDITIONAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
