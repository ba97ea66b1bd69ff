/*
 * fuzz_ddb_value.c - libFuzzer driver for DynamoDB-JSON -> AttributeValue
 * conversion and for the binary item decoder. First byte selects the target:
 * even = JSON item (re-encoded to JSON and binary, then decoded again and
 * compared), odd = raw bytes into ddb_item_decode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lockyard/check.h"
#include "lockyard/ddb_value.h"

static void json_target(struct ly_arena *a, const char *p, size_t n)
{
    struct ddb_err err;
    struct ddb_map m, back;
    json_t *j = json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!j)
        return;
    if (ddb_map_from_json(a, j, &m, &err) == 0) {
        struct ly_buf b;
        json_t *again = ddb_map_to_json(&m);
        json_decref(again);
        (void)ddb_item_size(&m);
        ly_buf_init(&b, 64 << 20);
        if (ddb_item_encode(&m, &b) == 0) {
            LY_ASSERT(ddb_item_decode(a, b.data, b.len, &back) == 0);
            struct ddb_val x = { .type = DDB_T_M, .u.map = m }, y = { .type = DDB_T_M, .u.map = back };
            LY_ASSERT(ddb_val_equal(&x, &y));
        }
        ly_buf_cleanup(&b);
    } else {
        struct ddb_val v;
        (void)ddb_val_from_json(a, j, &v, &err);
    }
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct ly_arena a;
    ly_arena_init(&a, 64 << 20);
    if (data[0] % 2 == 0) {
        json_target(&a, (const char *)data + 1, size - 1);
    } else {
        struct ddb_map m;
        if (ddb_item_decode(&a, data + 1, size - 1, &m) == 0) {
            struct ly_buf b;
            ly_buf_init(&b, 64 << 20);
            /* a valid encoding is canonical: re-encoding gives the same bytes */
            if (ddb_item_encode(&m, &b) == 0)
                LY_ASSERT(b.len == size - 1 && memcmp(b.data, data + 1, b.len) == 0);
            ly_buf_cleanup(&b);
        }
    }
    ly_arena_cleanup(&a);
    return 0;
}
