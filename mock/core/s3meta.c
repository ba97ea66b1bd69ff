/*
 * s3meta.c - S3 user metadata values and Content-Encoding as stored (see s3meta.h).
 * Pure: no I/O, no globals.
 */
#include "lockyard/s3meta.h"
#include "lockyard/buf.h"
#include "lockyard/checksum.h"
#include "lockyard/pct.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define WORD_BYTES_MAX 4096

static bool printable_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p != '\t' && (*p < 0x20 || *p > 0x7e))
            return false;
    return true;
}

/* Appends byte b as UTF-8 of the ISO-8859-1 character b (latin1) or as is. */
static int add_byte(struct ly_buf *out, unsigned char b, bool latin1)
{
    if (!latin1 || b < 0x80)
        return ly_buf_add(out, &b, 1);
    unsigned char u[2] = {(unsigned char)(0xC0 | b >> 6), (unsigned char)(0x80 | (b & 0x3F))};
    return ly_buf_add(out, u, 2);
}

/* One encoded-word at p ("=?cs?X?text?="): decoded into out; *end after it. LY_EINVAL if not. */
static int word(const char *p, const char **end, struct ly_buf *out)
{
    const char *cs = p + 2, *q1 = strchr(cs, '?');
    if (strncmp(p, "=?", 2) != 0 || !q1 || !q1[1] || q1[2] != '?')
        return LY_EINVAL;
    const char *text = q1 + 3, *fin = strstr(text, "?=");
    size_t csl = (size_t)(q1 - cs), tl = fin ? (size_t)(fin - text) : 0;
    bool utf8 = csl == 5 && strncasecmp(cs, "UTF-8", 5) == 0;
    bool latin1 = csl == 10 && strncasecmp(cs, "ISO-8859-1", 10) == 0;
    bool ascii = csl == 8 && strncasecmp(cs, "US-ASCII", 8) == 0;
    char enc = (char)(q1[1] | 0x20);
    if (!fin || (!utf8 && !latin1 && !ascii) || (enc != 'b' && enc != 'q') || tl > WORD_BYTES_MAX)
        return LY_EINVAL;
    *end = fin + 2;
    if (enc == 'b') {
        uint8_t raw[WORD_BYTES_MAX];
        size_t n = 0;
        int rc = cksum_b64_decode(text, tl, raw, sizeof raw, &n);
        for (size_t i = 0; !rc && i < n; i++)
            rc = add_byte(out, raw[i], latin1);
        return rc;
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < tl; i++) {
        int hi, lo;
        if (text[i] == '_')
            rc = ly_buf_add(out, " ", 1);
        else if (text[i] != '=')
            rc = add_byte(out, (unsigned char)text[i], latin1);
        else if (i + 2 < tl && (hi = ly_hexval(text[i + 1])) >= 0 &&
                 (lo = ly_hexval(text[i + 2])) >= 0)
            rc = add_byte(out, (unsigned char)(hi << 4 | lo), latin1), i += 2;
        else
            rc = LY_EINVAL;
    }
    return rc;
}

/* A value made only of encoded-words separated by white space, decoded; LY_EINVAL if not. */
static int words(const char *raw, struct ly_buf *out)
{
    const char *p = raw;
    int n = 0, rc = 0;
    while (!rc && *p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        rc = word(p, &p, out);
        n++;
    }
    return rc ? rc : n ? 0 : LY_EINVAL;
}

const char *s3meta_decode(struct ly_arena *a, const char *raw)
{
    struct ly_buf out;
    const char *r = NULL;
    if (printable_ascii(raw) && !strstr(raw, "=?"))
        return raw;
    ly_buf_init(&out, 16384);
    if (words(raw, &out) == 0) {
        r = ly_arena_strndup(a, out.data ? out.data : "", out.len);
    } else {
        ly_buf_reset(&out);
        int rc = 0;
        for (const unsigned char *p = (const unsigned char *)raw; !rc && *p; p++)
            rc = add_byte(&out, *p, true);
        r = rc ? NULL : ly_arena_strndup(a, out.data ? out.data : "", out.len);
    }
    ly_buf_cleanup(&out);
    return r;
}

const char *s3meta_encode(struct ly_arena *a, const char *value)
{
    if (printable_ascii(value))
        return value;
    size_t n = strlen(value), room = (n + 2) / 3 * 4 + 1;
    char *b64 = ly_arena_alloc(a, room);
    if (!b64 || cksum_b64_encode(value, n, b64, room) != 0)
        return NULL;
    return ly_arena_printf(a, "=?UTF-8?B?%s?=", b64);
}

static bool is_chunked(const char *p, size_t n)
{
    return n == 11 && strncasecmp(p, "aws-chunked", 11) == 0;
}

const char *s3meta_content_encoding(struct ly_arena *a, const char *sent)
{
    if (!sent)
        return NULL;
    struct ly_buf out;
    const char *sep = NULL, *p = sent;
    size_t sepl = 0;
    bool chunked = false;
    int rc = 0;
    ly_buf_init(&out, 4096);
    while (!rc && *p) {
        const char *s = p;
        while (*p == ' ' || *p == ',')
            p++;
        if (!sep && p > s && s != sent)
            sep = s, sepl = (size_t)(p - s); /* the client's separator, e.g. ", " */
        size_t n = strcspn(p, ","), m = n;
        while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
            m--;
        if (is_chunked(p, m))
            chunked = true;
        else if (m && out.len)
            rc = ly_buf_add(&out, sep ? sep : ",", sep ? sepl : 1);
        if (!rc && m && !is_chunked(p, m))
            rc = ly_buf_add(&out, p, m);
        p += n;
    }
    const char *r = rc         ? NULL
                    : !chunked ? sent
                    : out.len  ? ly_arena_strndup(a, out.data, out.len)
                               : NULL;
    ly_buf_cleanup(&out);
    return r;
}
