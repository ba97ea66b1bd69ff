/*
 * ddb_keycodec.c - order-preserving key encoding (see ddb_keycodec.h).
 * Pure: no I/O, no globals.
 */
#include "lockyard/ddb_keycodec.h"

#include <string.h>

#define N_NEG 0x01
#define N_ZERO 0x02
#define N_POS 0x03
#define EXP_BIAS 0x8000

static int append_bytes(const char *p, size_t len, struct ly_buf *out)
{
    static const unsigned char esc[2] = {0x00, 0xFF}, term[2] = {0x00, 0x01};
    int rc = 0;
    size_t run = 0;
    for (size_t i = 0; !rc && i < len; i++) {
        if (p[i] != '\0')
            continue;
        rc = ly_buf_add(out, p + run, i - run);
        if (!rc)
            rc = ly_buf_add(out, esc, 2);
        run = i + 1;
    }
    if (!rc)
        rc = ly_buf_add(out, p + run, len - run);
    if (!rc)
        rc = ly_buf_add(out, term, 2);
    return rc;
}

static int append_num(const struct ddb_num *n, struct ly_buf *out)
{
    unsigned char b[4 + DDB_NUM_DIGITS_MAX];
    size_t k = 0;
    if (n->sign == 0) {
        b[k++] = N_ZERO;
        return ly_buf_add(out, b, k);
    }
    unsigned e = (unsigned)(n->exp + EXP_BIAS);
    b[k++] = N_POS;
    b[k++] = (unsigned char)(e >> 8);
    b[k++] = (unsigned char)(e & 0xFF);
    for (size_t i = 0; i < n->ndig; i++)
        b[k++] = (unsigned char)(n->d[i] + 1);
    b[k++] = 0x00;
    if (n->sign < 0) {
        b[0] = N_NEG;
        for (size_t i = 1; i < k; i++)
            b[i] = (unsigned char)(255 - b[i]);
    }
    return ly_buf_add(out, b, k);
}

int ddb_keycodec_append(const struct ddb_val *v, struct ly_buf *out)
{
    switch (v->type) {
    case DDB_T_S:
    case DDB_T_B: return append_bytes(v->u.bytes.p, v->u.bytes.len, out);
    case DDB_T_N: return append_num(&v->u.num, out);
    default: return LY_EINVAL;
    }
}

int ddb_keycodec_encode(const struct ddb_val *hash, const struct ddb_val *range, struct ly_buf *out)
{
    int rc = ddb_keycodec_append(hash, out);
    if (!rc && range)
        rc = ddb_keycodec_append(range, out);
    return rc;
}

static int decode_bytes(struct ly_arena *a, const unsigned char *p, size_t len, struct ddb_val *out,
                        size_t *used)
{
    size_t n = 0, i = 0;
    for (;; i++) { /* first pass: validate and measure */
        if (i >= len)
            return LY_EINVAL;
        if (p[i] != 0x00) {
            n++;
            continue;
        }
        if (i + 1 >= len || (p[i + 1] != 0xFF && p[i + 1] != 0x01))
            return LY_EINVAL;
        if (p[++i] == 0x01)
            break;
        n++;
    }
    char *s = ly_arena_alloc(a, n + 1);
    if (!s)
        return LY_ENOMEM;
    size_t o = 0;
    for (size_t j = 0; j + 1 < i; j++) {
        s[o++] = (char)p[j];
        if (p[j] == 0x00)
            j++; /* skip the 0xFF of an escaped NUL */
    }
    s[o] = '\0';
    out->u.bytes.p = s;
    out->u.bytes.len = n;
    *used = i + 1;
    return 0;
}

static int decode_num(const unsigned char *p, size_t len, struct ddb_num *n, size_t *used)
{
    if (len < 1)
        return LY_EINVAL;
    memset(n, 0, sizeof *n);
    if (p[0] == N_ZERO) {
        *used = 1;
        return 0;
    }
    if (p[0] != N_POS && p[0] != N_NEG)
        return LY_EINVAL;
    unsigned char flip = p[0] == N_NEG ? 0xFF : 0x00;
    if (len < 4)
        return LY_EINVAL;
    int e = (int)(((unsigned)(p[1] ^ flip) << 8) | (p[2] ^ flip)) - EXP_BIAS;
    size_t i = 3;
    for (; i < len && (p[i] ^ flip) != 0x00; i++) {
        unsigned d = (unsigned)(p[i] ^ flip);
        if (d > 10 || n->ndig >= DDB_NUM_DIGITS_MAX)
            return LY_EINVAL;
        n->d[n->ndig++] = (uint8_t)(d - 1);
    }
    if (i >= len || n->ndig == 0 || n->d[0] == 0 || n->d[n->ndig - 1] == 0)
        return LY_EINVAL;
    /* value = 0.d * 10^exp: the magnitude range 1E-130 .. <1E126 */
    if (e < DDB_NUM_EXP_MIN + 1 || e > DDB_NUM_EXP_MAX + 1)
        return LY_EINVAL;
    n->exp = (int16_t)e;
    n->sign = flip ? -1 : 1;
    *used = i + 1;
    return 0;
}

int ddb_keycodec_decode(struct ly_arena *a, enum ddb_type t, const void *p, size_t len,
                        struct ddb_val *out, size_t *used)
{
    memset(out, 0, sizeof *out);
    out->type = t;
    switch (t) {
    case DDB_T_S:
    case DDB_T_B: return decode_bytes(a, p, len, out, used);
    case DDB_T_N: return decode_num(p, len, &out->u.num, used);
    default: return LY_EINVAL;
    }
}
