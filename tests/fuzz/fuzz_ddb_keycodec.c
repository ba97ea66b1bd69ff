/*
 * fuzz_ddb_keycodec.c - libFuzzer driver for the order-preserving key codec.
 * First byte: type (S, N, B by value % 3) and mode. Mode 0 decodes raw bytes and checks that
 * a successful decode re-encodes to exactly the consumed bytes (canonical). Mode 1 splits the
 * rest into two values, encodes both and checks that memcmp order equals ddb_val_order.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lockyard/check.h"
#include "lockyard/ddb_keycodec.h"

static int enc_cmp(const struct ddb_val *x, const struct ddb_val *y)
{
    struct ly_buf a, b;
    ly_buf_init(&a, 1 << 20);
    ly_buf_init(&b, 1 << 20);
    LY_ASSERT(ddb_keycodec_append(x, &a) == 0 && ddb_keycodec_append(y, &b) == 0);
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.data, b.data, n) : 0;
    if (c == 0)
        c = (a.len > b.len) - (a.len < b.len);
    ly_buf_cleanup(&a);
    ly_buf_cleanup(&b);
    return (c > 0) - (c < 0);
}

static int make_val(enum ddb_type t, const uint8_t *p, size_t n, struct ddb_val *v)
{
    memset(v, 0, sizeof *v);
    v->type = t;
    if (t == DDB_T_N)
        return ddb_num_parse((const char *)p, n, &v->u.num, NULL);
    v->u.bytes.p = (const char *)p;
    v->u.bytes.len = n;
    return 0;
}

static void order_target(enum ddb_type t, const uint8_t *p, size_t n)
{
    size_t half = n / 2;
    struct ddb_val x, y;
    if (make_val(t, p, half, &x) || make_val(t, p + half, n - half, &y))
        return;
    int want;
    LY_ASSERT(ddb_val_order(&x, &y, &want));
    LY_ASSERT(enc_cmp(&x, &y) == (want > 0) - (want < 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum ddb_type types[] = {DDB_T_S, DDB_T_N, DDB_T_B};
    if (size < 1)
        return 0;
    enum ddb_type t = types[data[0] % 3];
    if ((data[0] / 3) % 2) {
        order_target(t, data + 1, size - 1);
        return 0;
    }
    struct ly_arena a;
    ly_arena_init(&a, 1 << 20);
    struct ddb_val v;
    size_t used = 0;
    if (ddb_keycodec_decode(&a, t, data + 1, size - 1, &v, &used) == 0) {
        struct ly_buf b;
        ly_buf_init(&b, 1 << 20);
        LY_ASSERT(used <= size - 1);
        LY_ASSERT(ddb_keycodec_append(&v, &b) == 0);
        LY_ASSERT(b.len == used && memcmp(b.data, data + 1, used) == 0);
        ly_buf_cleanup(&b);
    }
    ly_arena_cleanup(&a);
    return 0;
}
