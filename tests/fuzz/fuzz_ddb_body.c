/*
 * fuzz_ddb_body.c - libFuzzer driver: ddb_body_parse against json_loadb. Whatever the bytes,
 * the two agree: both NULL, or equal trees (ddb_body_parse hands jansson long plain strings as
 * placeholders and sets them back afterwards: that must change neither verdict nor value).
 */
#include <stdint.h>
#include <stdlib.h>

#include "lockyard/ddb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ly_arena a;
    ly_arena_init(&a, 16 << 20);
    json_t *want = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
    json_t *got = ddb_body_parse(&a, data, size);
    if (!want != !got || (want && !json_equal(want, got)))
        abort();
    json_decref(got);
    json_decref(want);
    ly_arena_cleanup(&a);
    return 0;
}
