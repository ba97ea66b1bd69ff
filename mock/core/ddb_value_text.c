/*
 * ddb_value_text.c - an item's DynamoDB JSON text written straight from the model, for the
 * answers that carry whole items (GetItem): the same bytes as json_dumps(ddb_map_to_json(m),
 * JSON_COMPACT), without building the jansson tree and without jansson's character-by-character
 * dump (three quarters of a GetItem of a 1 KiB item went there). The unit tests compare the two
 * on every kind of value and every character that needs escaping.
 */
#include "lockyard/checksum.h"
#include "lockyard/ddb_num.h"
#include "lockyard/ddb_value.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>

/* Sixteen bytes at a time: the bytes to stop at compared in one vector each, the first found
 * by its bit in the mask. Bytes 0x80-0xff are negative as signed bytes: below 0x20 signed is
 * "a control character or not ASCII", the ASCII-only test; the other flips the top bit first
 * to compare unsigned. */
static size_t run16(const char *s, size_t n, bool ascii, size_t *at)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
    const __m128i top = _mm_set1_epi8((char)0x80), space_u = _mm_set1_epi8((char)0xa0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash));
        if (ascii)
            m = _mm_or_si128(m, _mm_or_si128(_mm_cmplt_epi8(x, space), _mm_cmpeq_epi8(x, del)));
        else
            m = _mm_or_si128(m, _mm_cmplt_epi8(_mm_xor_si128(x, top), space_u));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) {
            *at = i + (size_t)__builtin_ctz(mask);
            return 1;
        }
    }
    *at = i;
    return 0;
}
#else
/* Eight bytes at a time while none of them is a byte to stop at: the word tests "has a byte
 * below n" ((x - n..) & ~x & 0x80..), "has a zero byte" (of x ^ c: a byte equal to c) and
 * "has a byte above 0x7e" ((x + 0x01..) | x) & 0x80.., exact for "some byte is". */
static size_t run16(const char *s, size_t n, bool ascii, size_t *at)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, q, bs;
        memcpy(&x, s + i, 8);
        q = x ^ (ones * '"');
        bs = x ^ (ones * '\\');
        uint64_t hit = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs);
        if (ascii)
            hit |= (x + ones) | x;
        if (hit & highs)
            break;
    }
    *at = i;
    return 0;
}
#endif

size_t ddb_text_run(const char *s, size_t n, bool ascii)
{
    size_t i;
    if (run16(s, n, ascii, &i))
        return i;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\' || (ascii && c > 0x7e))
            break;
        i++;
    }
    return i;
}

size_t ddb_text_plain_len(const char *s, size_t n)
{
    return ddb_text_run(s, n, false);
}

/* jansson's escapes (dump.c without JSON_ENSURE_ASCII / JSON_ESCAPE_SLASH): the quote, the
 * backslash and the control characters; \u with four upper-case hex digits where it has no
 * short form. Everything else, UTF-8 included, is copied. */
static int put_string(struct ly_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (ly_buf_reserve(b, n + 2))
        return LY_ENOMEM;
    b->data[b->len++] = '"';
    size_t i = 0;
    for (;;) {
        size_t run = ddb_text_plain_len(s + i, n - i);
        if (ly_buf_add(b, s + i, run))
            return LY_ENOMEM;
        i += run;
        if (i == n)
            break;
        unsigned char c = (unsigned char)s[i++];
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        if (ly_buf_add(b, esc, elen))
            return LY_ENOMEM;
    }
    return ly_buf_add(b, "\"", 1) ? LY_ENOMEM : 0;
}

static int put_b64(struct ly_buf *b, const char *p, size_t len)
{
    size_t room = CKSUM_B64_LEN(len) + 1;
    if (ly_buf_reserve(b, room + 2))
        return LY_ENOMEM;
    b->data[b->len] = '"';
    if (cksum_b64_encode(p, len, b->data + b->len + 1, room))
        return LY_ENOMEM;
    b->len += 1 + CKSUM_B64_LEN(len);
    b->data[b->len++] = '"';
    return 0;
}

static int put_scalar(struct ly_buf *b, const struct ddb_val *v)
{
    char num[DDB_NUM_TEXT_MAX];
    switch (v->type) {
    case DDB_T_S: return put_string(b, v->u.bytes.p, v->u.bytes.len);
    case DDB_T_B: return put_b64(b, v->u.bytes.p, v->u.bytes.len);
    case DDB_T_N:
        ddb_num_format(&v->u.num, num, sizeof num);
        return put_string(b, num, strlen(num));
    default: return LY_EINVAL;
    }
}

static int put_inner(struct ly_buf *b, const struct ddb_val *v)
{
    switch (v->type) {
    case DDB_T_BOOL: return ly_buf_adds(b, v->u.boolean ? "true" : "false");
    case DDB_T_NULL: return ly_buf_adds(b, "true");
    case DDB_T_M: return ddb_map_text(&v->u.map, b);
    case DDB_T_L:
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS: {
        int rc = ly_buf_add(b, "[", 1);
        for (size_t i = 0; !rc && i < v->u.list.n; i++) {
            const struct ddb_val *e = &v->u.list.items[i];
            if (i)
                rc = ly_buf_add(b, ",", 1);
            if (!rc)
                rc = v->type == DDB_T_L ? ddb_val_text(e, b) : put_scalar(b, e);
        }
        return rc ? rc : ly_buf_add(b, "]", 1);
    }
    default: return put_scalar(b, v);
    }
}

int ddb_val_text(const struct ddb_val *v, struct ly_buf *b)
{
    const char *t = ddb_type_name(v->type);
    if (!*t)
        return LY_EINVAL;
    int rc = ly_buf_add(b, "{", 1);
    if (!rc)
        rc = put_string(b, t, strlen(t));
    if (!rc)
        rc = ly_buf_add(b, ":", 1);
    if (!rc)
        rc = put_inner(b, v);
    return rc ? rc : ly_buf_add(b, "}", 1);
}

int ddb_map_text(const struct ddb_map *m, struct ly_buf *b)
{
    int rc = ly_buf_add(b, "{", 1);
    for (size_t i = 0; !rc && i < m->n; i++) {
        if (i)
            rc = ly_buf_add(b, ",", 1);
        if (!rc)
            rc = put_string(b, m->attrs[i].name, m->attrs[i].name_len);
        if (!rc)
            rc = ly_buf_add(b, ":", 1);
        if (!rc)
            rc = ddb_val_text(&m->attrs[i].val, b);
    }
    return rc ? rc : ly_buf_add(b, "}", 1);
}
