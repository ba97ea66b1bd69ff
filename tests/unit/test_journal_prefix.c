/* test_journal_prefix.c - journal_json_prefix (mock/net/journal.c) against jansson: for every
 * prefix size, the first size - 1 bytes of json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../../mock/net/journal.h"

static void check_doc(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("bad test json %s: %s", text, je.text);
    size_t len = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *want = malloc(len + 1);
    char *got = malloc(len + 3);
    assert_non_null(want);
    assert_non_null(got);
    assert_int_equal(json_dumpb(v, want, len, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY),
                     len);
    for (size_t size = 1; size <= len + 2; size++) {
        memset(got, 'Z', len + 3);
        journal_json_prefix(v, got, size);
        size_t n = size - 1 < len ? size - 1 : len;
        if (memcmp(got, want, n) != 0 || got[n] != '\0')
            fail_msg("%s, size %zu: got %.*s", text, size, (int)n, got);
    }
    free(got);
    free(want);
    json_decref(v);
}

static void test_matches_jansson(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{\"LockID\":{\"S\":\"lock-1\"},\"Info\":{\"S\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}",
        "{\"b\":1,\"a\":2,\"ab\":3,\"a b\":4,\"\":5,\"B\":6,\"\\u00e9\":7,\"a~\":8}",
        "{\"s\":\"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f \\\"\\\\/\\u007f\"}",
        "{\"u\":\"\\u00e9\\u20ac\\u2028\\ud83d\\ude00\",\"k\\\"\\\\\":\"v\"}",
        "[1,-2,3.5,-0.25,1e300,true,false,null,\"x\",[],{},[[{\"z\":[1,{\"y\":null}]}]]]",
        "{\"Key\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"12\"}},\"m\":{\"M\":{\"c\":{\"L\":[]}}}}",
        "\"just a string\"",
        /* more members than are sorted on the stack */
        "{\"q\":1,\"p\":2,\"o\":3,\"n\":4,\"m\":5,\"l\":6,\"k\":7,\"j\":8,\"i\":9,\"h\":10,"
        "\"g\":11,\"f\":12,\"e\":13,\"d\":14,\"c\":15,\"b\":16,\"a\":{\"z\":1,\"y\":2}}",
        /* escapes between plain runs of every length around the eight bytes scanned at once */
        "{\"s\":\"a\\\"bb\\\\ccc\\u0001dddddddd\\teeeeeeeee\\\"ffffffffffffffff\\\\\\\\g\\nhhhhhhh\"}",
        "42",
        "{}",
        "[]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        check_doc(docs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
